/**
 * Delivery against real HTTP receivers on loopback: what a receiver gets, when a sender tries
 * again and when it does not, and a summarizer's answers good and bad.
 */

import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, test } from "@jest/globals";
import { HttpSummarizer, WebhookSender } from "./delivery.js";
import type { IncidentSummary } from "./summary.js";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

/** A receiver that answers with `answers` in turn (the last one repeated) and keeps the bodies. */
async function receiver(answers: readonly { status: number; body?: string; hang?: boolean }[]) {
  const bodies: unknown[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c) => {
      raw += c;
    });
    req.on("end", () => {
      bodies.push(JSON.parse(raw));
      const a = answers[Math.min(bodies.length - 1, answers.length - 1)];
      if (a.hang) return;
      res.writeHead(a.status, { "content-type": "application/json" }).end(a.body ?? "{}");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`, bodies };
}

const SUMMARY: IncidentSummary = {
  id: 3,
  title: "Incident 3: checkout, payments anomalous since 12:00:00.",
  startedAt: "2026-12-03T12:00:00.000Z",
  services: ["checkout", "payments"],
  suspect: "payments",
  evidence: ["payments errorRatio 0.3 against a usual 0.0"],
  actions: [],
  text: "Incident 3: ...",
};

describe("the incident webhook", () => {
  test("delivers the body it is given", async () => {
    const r = await receiver([{ status: 200 }]);
    expect(await new WebhookSender(r.url).send({ version: "4", status: "firing" })).toBeUndefined();
    expect(r.bodies).toEqual([{ version: "4", status: "firing" }]);
  });

  test("tries once more after a 5xx, never after a 4xx, and says why it gave up", async () => {
    const flaky = await receiver([{ status: 503 }, { status: 200 }]);
    expect(await new WebhookSender(flaky.url).send({})).toBeUndefined();
    expect(flaky.bodies).toHaveLength(2);
    const refusing = await receiver([{ status: 400 }]);
    const host = new URL(refusing.url).host;
    expect(await new WebhookSender(refusing.url).send({})).toBe(
      `webhook not delivered: ${host} answered 400`,
    );
    expect(refusing.bodies).toHaveLength(1);
  });

  test("gives up on a receiver that never answers, within its timeout", async () => {
    const r = await receiver([{ status: 200, hang: true }]);
    const failed = await new WebhookSender(r.url, { timeoutMs: 200, retries: 0 }).send({});
    expect(failed).toMatch(/^webhook not delivered: 127\.0\.0\.1:\d+: .*(timeout|aborted)/i);
    for (const s of servers) s.closeAllConnections();
  });
});

describe("the HTTP summarizer", () => {
  test("is sent the structured summary and returns its text", async () => {
    const r = await receiver([{ status: 200, body: JSON.stringify({ text: "Payments is failing." }) }]);
    expect(await new HttpSummarizer(r.url).summarize(SUMMARY)).toBe("Payments is failing.");
    expect(r.bodies[0]).toEqual(SUMMARY);
  });

  test.each([
    ["not JSON", "answered something that is not JSON"],
    [JSON.stringify({ words: "x" }), 'answered no "text"'],
  ])("refuses an answer of %s", async (body, message) => {
    const r = await receiver([{ status: 200, body }]);
    await expect(new HttpSummarizer(r.url).summarize(SUMMARY)).rejects.toThrow(message);
  });
});
