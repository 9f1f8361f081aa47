import { describe, expect, it } from 'vitest';
import { allocateSteps } from '../../src/walk/step-allocation.js';

describe('allocateSteps (Pixie §3.2: s_q = d(C − ln d), N_q ∝ w_q·s_q)', () => {
  it('follows the formula (hand-computed)', () => {
    // C = 10: s = [1·(10 − 0), 4·(10 − ln 4)] = [10, 34.4548]; N_q = 1000·s/44.4548
    expect(Array.from(allocateSteps([1, 4], undefined, 1000, 10))).toEqual([225, 775]);
  });

  it('scales by weight', () => {
    // s·w = [20, 34.4548] → 1000·20/54.4548 = 367.3, 632.7
    expect(Array.from(allocateSteps([1, 4], [2, 1], 1000, 10))).toEqual([367, 633]);
  });

  it('gives every walkable pin at least one step and a pin without boards none', () => {
    const a = allocateSteps([1, 1000, 0], undefined, 10, 1000);
    expect(a[0]).toBe(1);
    expect(a[1]).toBe(10);
    expect(a[2]).toBe(0);
  });

  it('gives a zero-weight pin no steps', () => {
    expect(Array.from(allocateSteps([3, 3], [0, 1], 100, 5))).toEqual([0, 100]);
  });

  it('rejects negative or non-finite weights', () => {
    expect(() => allocateSteps([1], [-1], 10, 1)).toThrow(/weight -1 at index 0/);
    expect(() => allocateSteps([1], [Infinity], 10, 1)).toThrow(/weight Infinity/);
  });
});
