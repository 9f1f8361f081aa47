/**
 * Training data for the two-tower model in compressed form: each user's engaged pins in time
 * order (CSR), plus optional per-pin features and per-user profile / interest vectors.
 */
export interface TrainingSet {
  numUsers: number;
  /** pins with an id embedding: dense ids 0..numPins-1 */
  numPins: number;
  /** user u's pins are pins[offsets[u] .. offsets[u+1]), oldest first; length numUsers+1 */
  offsets: Uint32Array;
  pins: Int32Array;
  /** numPins x pinFeatureDim, row-major */
  pinFeatures?: Float32Array;
  pinFeatureDim?: number;
  /** numUsers x userFeatureDim */
  userProfiles?: Float32Array;
  userFeatureDim?: number;
  /** numUsers x interestDim (PinnerSage) */
  userInterests?: Float32Array;
  interestDim?: number;
}

/** Builds a TrainingSet from (user, pin) pairs already in time order per user. */
export function trainingSetFromPairs(
  users: ArrayLike<number>,
  pins: ArrayLike<number>,
  numUsers?: number,
  numPins?: number,
): TrainingSet {
  if (users.length !== pins.length) throw new Error(`training set: ${users.length} users but ${pins.length} pins`);
  let nu = 0;
  let np = 0;
  for (let i = 0; i < users.length; i++) {
    const u = users[i]!;
    const p = pins[i]!;
    if (!Number.isInteger(u) || u < 0) throw new Error(`training set: bad user id ${u} at row ${i}`);
    if (!Number.isInteger(p) || p < 0) throw new Error(`training set: bad pin id ${p} at row ${i}`);
    if (u + 1 > nu) nu = u + 1;
    if (p + 1 > np) np = p + 1;
  }
  if (numUsers !== undefined) {
    if (numUsers < nu) throw new Error(`training set: numUsers ${numUsers} but user id ${nu - 1} present`);
    nu = numUsers;
  }
  if (numPins !== undefined) {
    if (numPins < np) throw new Error(`training set: numPins ${numPins} but pin id ${np - 1} present`);
    np = numPins;
  }
  const offsets = new Uint32Array(nu + 1);
  for (let i = 0; i < users.length; i++) offsets[users[i]! + 1]!++;
  for (let u = 0; u < nu; u++) offsets[u + 1]! += offsets[u]!;
  const fill = offsets.slice(0, nu);
  const out = new Int32Array(users.length);
  for (let i = 0; i < users.length; i++) out[fill[users[i]!]!++] = pins[i]!;
  return { numUsers: nu, numPins: np, offsets, pins: out };
}

/** A user's pins (a view, no copy). */
export function userPins(ts: TrainingSet, user: number): Int32Array {
  return ts.pins.subarray(ts.offsets[user]!, ts.offsets[user + 1]!);
}

export function validateTrainingSet(ts: TrainingSet): void {
  if (ts.offsets.length !== ts.numUsers + 1) throw new Error('training set: offsets length must be numUsers + 1');
  if (ts.offsets[ts.numUsers] !== ts.pins.length) throw new Error('training set: offsets do not cover pins');
  for (let i = 0; i < ts.pins.length; i++) {
    const p = ts.pins[i]!;
    if (p < 0 || p >= ts.numPins) throw new Error(`training set: pin id ${p} outside 0..${ts.numPins - 1}`);
  }
  const chk = (arr: Float32Array | undefined, dim: number | undefined, rows: number, what: string): void => {
    if (!arr) return;
    if (!dim || arr.length !== rows * dim) throw new Error(`training set: ${what} has length ${arr.length}, expected ${rows} x ${dim}`);
  };
  chk(ts.pinFeatures, ts.pinFeatureDim, ts.numPins, 'pinFeatures');
  chk(ts.userProfiles, ts.userFeatureDim, ts.numUsers, 'userProfiles');
  chk(ts.userInterests, ts.interestDim, ts.numUsers, 'userInterests');
}
