/**
 * Ids of requests, remote callbacks and pings.
 * @module
 */

/** The counter's last value: 12 hex digits. */
const LAST_COUNT = 0xffff_ffff_ffff;

let prefix = freshPrefix();
let count = 0;

/** The first 24 characters of a random UUID: `xxxxxxxx-xxxx-4xxx-yxxx-`. */
function freshPrefix(): string {
  return crypto.randomUUID().slice(0, 24);
}

/**
 * A new id in the form of a version-4 UUID, unique within this process: a
 * random prefix (74 random bits, drawn once) and a 48-bit counter. A peer
 * only echoes ids back, and only on the connection they came from, so they
 * need to be unique, not unpredictable. Node's `crypto.randomUUID()` builds
 * each id from some twenty string pieces; this is one append, worth 3-4%
 * of a request or remote-callback round trip in Node.
 */
export function messageId(): string {
  if (count === LAST_COUNT) {
    prefix = freshPrefix();
    count = 0;
  }
  count++;
  return prefix + count.toString(16).padStart(12, "0");
}
