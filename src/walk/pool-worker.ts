import { parentPort, workerData } from 'node:worker_threads';
import { PixieWalker } from './pixie.js';
import type { WalkReply, WalkRequest } from './pool-protocol.js';
import { graphFromShared, type SharedGraphArrays } from './shared-graph.js';

// One walker per thread over the shared graph; queries arrive one at a time.
if (!parentPort) throw new Error('pool-worker must run as a worker thread');
const port = parentPort;
const walker = new PixieWalker(graphFromShared(workerData as SharedGraphArrays));

port.on('message', (req: WalkRequest) => {
  let reply: WalkReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const result = walker.query(req.pins, req.weights, req.options);
    reply = { id: req.id, ok: true, result };
    transfer = [result.pins, result.scores, result.boards, result.boardScores, result.stepsPerQuery].map(
      (a) => a.buffer as ArrayBuffer,
    );
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    reply = { id: req.id, ok: false, name: err.name, message: err.message };
  }
  port.postMessage(reply, transfer);
});
