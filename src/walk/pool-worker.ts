import { parentPort, workerData } from 'node:worker_threads';
import { PixieWalker } from './pixie.js';
import type { WalkReply, WalkRequest } from './pool-protocol.js';
import { graphFromShared, type SharedGraphArrays } from './shared-graph.js';

// One walker per thread over the shared graph; queries arrive one at a time.
if (!parentPort) throw new Error('pool-worker must run as a worker thread');
const port = parentPort;
const shared = workerData as SharedGraphArrays;
const walker = new PixieWalker(graphFromShared(shared));

port.on('message', (req: WalkRequest) => {
  let reply: WalkReply;
  let transfer: ArrayBuffer[] = [];
  try {
    const bias = req.options.bias;
    if (req.codesAt && bias && shared.memory) {
      // views of the copies the pool placed in the walk memory (read there, not copied again)
      const buf = shared.memory.buffer;
      if (req.codesAt.pin) bias.pinCodes = new Uint16Array(buf, req.codesAt.pin[0], req.codesAt.pin[1]);
      if (req.codesAt.board) bias.boardCodes = new Uint16Array(buf, req.codesAt.board[0], req.codesAt.board[1]);
    }
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
