// The SBI device service on this kiosk's loopback (uchet-devsim in
// development, the vendor's service in a hall), reached straight from the
// page as MOSIP registration clients do: MOSIPDISC, RCAPTURE, STREAM.
// The answers are relayed to uchetd unchanged; only uchetd trusts them.

const FIRST_PORT = 4501;
const LAST_PORT = 4600;
const PORT_KEY = 'uchet.kiosk.sbi_port';
const SCAN_BATCH = 20;
const CAPTURE_TIMEOUT_MS = 30000;

// code: an SBI errorCode ("202" unplugged, "110" not ready …) or
// "unreachable" when the service does not answer at all.
export class DeviceError extends Error {
  constructor(code, message) {
    super(message || `device error ${code}`);
    this.code = String(code);
  }
}

function url(port, p) {
  return `http://127.0.0.1:${port}${p}`;
}

async function call(port, verb, p, body, timeoutMs) {
  let res;
  try {
    res = await fetch(url(port, p), {
      method: verb, body: JSON.stringify(body), signal: AbortSignal.timeout(timeoutMs),
    });
  } catch {
    throw new DeviceError('unreachable');
  }
  if (!res.ok) throw new DeviceError(`http_${res.status}`);
  try {
    return await res.json();
  } catch {
    throw new DeviceError('unreachable');
  }
}

async function devicesAt(port, timeoutMs) {
  const list = await call(port, 'MOSIPDISC', '/device', { type: 'Biometric Device' }, timeoutMs);
  if (!Array.isArray(list)) throw new DeviceError('unreachable');
  const err = list[0] && list[0].error;
  if (err && String(err.errorCode) !== '0' && !list[0].deviceId) throw new DeviceError(err.errorCode, err.errorInfo);
  return list;
}

// The port of the device service: the remembered one if it still answers,
// else the first of 4501–4600 that does. Throws DeviceError.
export async function findService() {
  const known = Number(localStorage.getItem(PORT_KEY));
  if (known >= FIRST_PORT && known <= LAST_PORT) {
    try {
      await devicesAt(known, 3000);
      return known;
    } catch (e) {
      if (e.code !== 'unreachable') throw e;
    }
  }
  for (let p = FIRST_PORT; p <= LAST_PORT; p += SCAN_BATCH) {
    const ports = [];
    for (let q = p; q < p + SCAN_BATCH && q <= LAST_PORT; q += 1) ports.push(q);
    const found = await Promise.all(ports.map((q) => devicesAt(q, 1500).then(() => q, () => null)));
    const port = found.find((q) => q !== null);
    if (port) {
      localStorage.setItem(PORT_KEY, String(port));
      return port;
    }
  }
  throw new DeviceError('unreachable');
}

// The payload of a compact JWS (the device's signed `data`), or null.
export function jwsPayload(jws) {
  try {
    const part = String(jws).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(new TextDecoder().decode(b64bytes(part)));
  } catch {
    return null;
  }
}

export function b64bytes(b64) {
  const s = b64.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(s + '='.repeat((4 - (s.length % 4)) % 4));
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i += 1) out[i] = bin.charCodeAt(i);
  return out;
}

const KINDS = {
  face: { deviceId: '3', subId: '0', type: 'Face', fingers: [] },
  'slap-left': { deviceId: '1', subId: '1', type: 'Finger', fingers: ['Left LittleFinger', 'Left RingFinger', 'Left MiddleFinger', 'Left IndexFinger'] },
  'slap-right': { deviceId: '1', subId: '2', type: 'Finger', fingers: ['Right IndexFinger', 'Right MiddleFinger', 'Right RingFinger', 'Right LittleFinger'] },
  thumbs: { deviceId: '1', subId: '3', type: 'Finger', fingers: ['Left Thumb', 'Right Thumb'] },
  'palm-left': { deviceId: '2', subId: '1', type: 'Palm', fingers: [] },
  'palm-right': { deviceId: '2', subId: '2', type: 'Palm', fingers: [] },
  document: { deviceId: '4', subId: '0', type: 'Document', fingers: [] },
};

export function fingersOf(kind) {
  return KINDS[kind].fingers;
}

// One RCAPTURE. txn is the session id, prev the session's chain value.
// Resolves to the device's answer, unchanged. Throws DeviceError.
export async function capture(port, kind, txn, prev, exceptions = []) {
  const k = KINDS[kind];
  const count = Math.max(1, k.fingers.length - exceptions.length);
  const req = {
    env: 'Developer', purpose: 'Registration', specVersion: '0.9.5', timeout: CAPTURE_TIMEOUT_MS,
    captureTime: new Date().toISOString(), transactionId: txn,
    bio: [{
      type: k.type, count, requestedScore: '40', deviceId: k.deviceId, deviceSubId: k.subId,
      bioSubType: [], exception: exceptions, previousHash: prev || '',
    }],
  };
  if (k.type === 'Finger') req.customOpts = [{ name: 'uchet.slap', value: 'true' }];
  const ans = await call(port, 'RCAPTURE', '/capture', req, CAPTURE_TIMEOUT_MS + 15000);
  const first = ans && Array.isArray(ans.biometrics) ? ans.biometrics[0] : null;
  if (!first) throw new DeviceError('unreachable');
  const code = first.error ? String(first.error.errorCode) : '0';
  if (code !== '0') throw new DeviceError(code, first.error.errorInfo);
  return ans;
}

// The face camera's preview: calls onFrame(blob) for every JPEG of the
// STREAM until `signal` aborts, the timeout or the device ends it. The
// multipart boundary is not trusted (devsim's and the reference mock's
// differ): frames are cut at the JPEG start and end markers.
export async function stream(port, onFrame, signal) {
  const res = await fetch(url(port, '/stream'), {
    method: 'STREAM', signal, body: JSON.stringify({ deviceId: '3', deviceSubId: '0', timeout: 60000 }),
  });
  if (!res.ok || !res.body) throw new DeviceError(`http_${res.status}`);
  const reader = res.body.getReader();
  let buf = new Uint8Array(0);
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const joined = new Uint8Array(buf.length + value.length);
    joined.set(buf);
    joined.set(value, buf.length);
    buf = joined;
    for (;;) {
      const start = indexOf(buf, 0xd8, 0);
      const end = start < 0 ? -1 : indexOf(buf, 0xd9, start + 2);
      if (end < 0) break;
      onFrame(new Blob([buf.slice(start, end + 2)], { type: 'image/jpeg' }));
      buf = buf.slice(end + 2);
    }
  }
}

// Index of the marker 0xFF `second` at or after `from`, or -1.
function indexOf(buf, second, from) {
  for (let i = from; i + 1 < buf.length; i += 1) {
    if (buf[i] === 0xff && buf[i + 1] === second) return i;
  }
  return -1;
}
