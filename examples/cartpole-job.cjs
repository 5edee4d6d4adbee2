/**
 * One training job of examples/cluster-sweep.ipynb: random search on the cart-pole (as in
 * cartpole.ipynb) at one step size and seed, logged with the plotter's calls. Run as a job
 * (`node cartpole-job.cjs <logdir> <stepSize> <seed>`) it writes TensorBoard event files into
 * `<logdir>/step=<stepSize> seed=<seed>` with metrics-plotter/tensorboard's SummaryWriter, as a
 * job on a cluster node would; the notebook also calls `train` itself, logging into a plotter's run.
 */
const path = require('path');

const GRAVITY = 9.8,
  CART_MASS = 1.0,
  POLE_MASS = 0.1,
  POLE_HALF = 0.5,
  FORCE = 10,
  DT = 0.02;

function step([x, xDot, theta, thetaDot], push) {
  const force = push > 0 ? FORCE : -FORCE;
  const total = CART_MASS + POLE_MASS;
  const cos = Math.cos(theta),
    sin = Math.sin(theta);
  const temp = (force + POLE_MASS * POLE_HALF * thetaDot * thetaDot * sin) / total;
  const thetaAcc = (GRAVITY * sin - cos * temp) / (POLE_HALF * (4 / 3 - (POLE_MASS * cos * cos) / total));
  const xAcc = temp - (POLE_MASS * POLE_HALF * thetaAcc * cos) / total;
  return [x + DT * xDot, xDot + DT * xAcc, theta + DT * thetaDot, thetaDot + DT * thetaAcc];
}

const failed = ([x, , theta]) => Math.abs(x) > 2.4 || Math.abs(theta) > 0.21;

function rollout(w, maxSteps, seed) {
  let s = [0.2 * Math.sin(seed), 0.2 * Math.cos(seed * 7), 0.05 * Math.sin(seed * 3), 0];
  const states = [s];
  let ret = 0;
  for (let t = 0; t < maxSteps && !failed(s); t++) {
    s = step(s, w[0] * s[0] + w[1] * s[1] + w[2] * s[2] + w[3] * s[3]);
    states.push(s);
    ret += 1;
  }
  return { ret, states };
}

/** A seeded random number generator: each seed a reproducible run. */
function random(seed) {
  let s = seed * 2654435761 + 1;
  return () => (s = (s * 1664525 + 1013904223) % 4294967296) / 4294967296;
}

const W = 160,
  H = 100;
function render([x, , theta]) {
  const data = new Uint8ClampedArray(W * H * 4).fill(246);
  for (let i = 3; i < data.length; i += 4) data[i] = 255;
  const put = (px, py, r, g, b) => {
    px = Math.round(px);
    py = Math.round(py);
    if (px < 0 || py < 0 || px >= W || py >= H) return;
    const i = (py * W + px) * 4;
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
  };
  const groundY = 80,
    scale = W / 4.8,
    cartX = W / 2 + x * scale;
  for (let px = 0; px < W; px++) put(px, groundY, 90, 90, 90);
  for (let dy = -8; dy < 0; dy++) for (let dx = -14; dx <= 14; dx++) put(cartX + dx, groundY + dy, 40, 70, 140);
  for (let t = 0; t <= 2 * POLE_HALF * scale * 0.6; t += 0.5)
    for (let w = -1; w <= 1; w++) put(cartX + Math.sin(theta) * t + w, groundY - 8 - Math.cos(theta) * t, 200, 120, 50);
  return { width: W, height: H, data };
}

/**
 * Trains and logs into `log`: anything with the plotter's calls (a plotter, one of its runs, or a
 * SummaryWriter). Returns the best return.
 */
async function train(log, stepSize, seed, iterations = 60) {
  const rand = random(seed + 1);
  let best = [0, 0, 0, 0].map(() => (rand() - 0.5) * 2),
    bestReturn = 0;
  for (let iter = 0; iter < iterations; iter++) {
    const candidate = best.map(v => v + (rand() - 0.5) * stepSize);
    const mean = [1, 2, 3].map(s => rollout(candidate, 500, s * 13 + iter * 7).ret).reduce((a, b) => a + b) / 3;
    if (mean >= bestReturn) {
      best = candidate;
      bestReturn = mean;
    }
    log.addScalar('return', bestReturn, iter);
    log.addScalar('candidate return', mean, iter);
    await new Promise(resolve => setTimeout(resolve, 50)); // a real job's step takes longer
  }
  const { states } = rollout(best, 100, 42);
  await log.addVideoFromFrames('final policy', states.map(render), { fps: 25, step: iterations - 1 });
  return bestReturn;
}

module.exports = { train };

if (require.main === module) {
  const { SummaryWriter } = require('metrics-plotter/tensorboard');
  const [logdir, stepSize, seed] = process.argv.slice(2);
  const config = { stepSize: Number(stepSize), seed: Number(seed) };
  const writer = new SummaryWriter(path.join(logdir, `step=${stepSize} seed=${seed}`), { config, flushSecs: 0.5 });
  train(writer, config.stepSize, config.seed).then(
    () => writer.close(),
    err => {
      console.error(err);
      process.exitCode = 1;
      writer.close();
    }
  );
}
