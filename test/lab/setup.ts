// jsdom gaps filled for the lab components (see the lab tests).
