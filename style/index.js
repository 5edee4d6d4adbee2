// JupyterLab loads this (package.json "styleModule") with the extension.
import 'uplot/dist/uPlot.min.css';
import './base.css';
