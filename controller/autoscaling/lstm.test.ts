import { jest } from "@jest/globals";
import { Random } from "../../common/random.js";
import { features, LstmNet, train } from "./lstm.js";
import { onlineForecaster } from "./online-forecast.js";

// Training is CPU work: seconds here, more on a loaded machine.
jest.setTimeout(60_000);

describe("the LSTM", () => {
  test("backpropagation through time matches the numerical gradient", () => {
    const net = new LstmNet({ inputs: 3, hidden: 4, outputs: 2 }, new Random(5));
    const random = new Random(9);
    const window = Array.from({ length: 6 }, () => [
      random.uniform(),
      random.uniform() - 0.5,
      random.uniform(),
    ]);
    const target = [0.3, -0.2];
    const grad = new Float64Array(net.params.length);
    net.backward(window, target, grad);
    const loss = () => {
      const { y } = net.forward(window);
      return y.reduce((a, v, k) => a + (v - target[k]) ** 2, 0) / (2 * y.length);
    };
    let worst = 0;
    for (let i = 0; i < net.params.length; i += 3) {
      const keep = net.params[i];
      net.params[i] = keep + 1e-6;
      const up = loss();
      net.params[i] = keep - 1e-6;
      const down = loss();
      net.params[i] = keep;
      worst = Math.max(worst, Math.abs((up - down) / 2e-6 - grad[i]));
    }
    expect(worst).toBeLessThan(1e-7);
  });

  test("training lowers the loss, and the same seed gives the same weights", () => {
    const season = 24;
    const series = Array.from(
      { length: 10 * season },
      (_, t) => 1 + 0.4 * Math.sin((2 * Math.PI * t) / season),
    );
    const samples: { window: number[][]; target: number[] }[] = [];
    for (let t = 12; t + 2 <= series.length; t++)
      samples.push({
        window: series.slice(t - 12, t).map((v, i) => features(v, 1, t - 12 + i, season)),
        target: series.slice(t, t + 2),
      });
    const run = () => {
      const net = new LstmNet({ inputs: 3, hidden: 8, outputs: 2 }, new Random(1));
      const first = train(
        net,
        samples,
        { epochs: 1, batch: 16, learningRate: 0.01, samplesPerEpoch: 400 },
        new Random(2),
      );
      const last = train(
        net,
        samples,
        { epochs: 15, batch: 16, learningRate: 0.01, samplesPerEpoch: 400 },
        new Random(3),
      );
      return { first, last, params: [...net.params] };
    };
    const a = run();
    expect(a.last).toBeLessThan(a.first / 5);
    expect(run().params).toEqual(a.params);
  });

  test("as a forecaster it learns a daily shape with a sharp evening peak that a window alone could not place", () => {
    const season = 48;
    const shape = (t: number) => 100 + 60 * Math.exp(-(((t % season) - 36) ** 2) / 8);
    const lstm = onlineForecaster("lstm", { season, seed: 4 });
    let error = 0;
    let n = 0;
    for (let t = 0; t < 8 * season; t++) {
      const f = lstm.forecast(2, 0.9);
      if (f && t >= 5 * season) {
        error += Math.abs(f.mean[1] - shape(t + 1));
        n++;
      }
      lstm.observe(shape(t));
    }
    expect(error / n).toBeLessThan(6);
  });
});
