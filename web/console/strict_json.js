// A JSON parser that accepts exactly what the server's verifier (nlohmann::json::parse, in
// audit/chain.cc) accepts, and keeps what JSON.parse throws away but the verifier looks at:
//   - whether a number was written as an integer (IntegerAt takes "position": 2, never 2.0 or
//     2e0) and its exact int64 value (as a BigInt);
//   - lone UTF-16 surrogates in \u escapes, which nlohmann refuses and JSON.parse accepts;
//   - a leading byte-order mark, which nlohmann skips and JSON.parse refuses.
// It is iterative, so a deeply nested line is parsed as nlohmann's (stack-based) parser does.
// Objects are prototype-less, so a key such as "__proto__" is an ordinary key; a repeated key
// keeps its last value, as nlohmann does.

// A parsed number. `integer` is the int64 the verifier would read (BigInt), or null when the
// text was a float (a fraction, an exponent, or an integer beyond 64 bits).
export class JsonNumber {
  constructor(integer, float) {
    this.integer = integer;
    this.float = float;
  }
}

export class StrictJsonError extends Error {}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const NUMBER = /-?(?:0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

function fail(at) {
  throw new StrictJsonError(`invalid JSON at character ${at}`);
}

function isSpace(c) {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

function isHex(c) {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

// Parses one JSON text. Throws StrictJsonError where nlohmann would report a parse error.
export function parseStrict(text) {
  const n = text.length;
  let i = n > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const skipSpace = () => {
    while (i < n && isSpace(text.charCodeAt(i))) i++;
  };

  const readHex4 = () => {
    if (i + 4 > n) fail(i);
    for (let k = 0; k < 4; k++) if (!isHex(text.charCodeAt(i + k))) fail(i + k);
    const code = parseInt(text.slice(i, i + 4), 16);
    i += 4;
    return code;
  };

  const readString = () => {
    i++;  // the opening quote
    let out = '';
    let chunkStart = i;
    for (;;) {
      if (i >= n) fail(i);
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(chunkStart, i);
        i++;
        return out;
      }
      if (c < 0x20) fail(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        // A raw high surrogate must be followed by a low one (well-formed text).
        const d = i + 1 < n ? text.charCodeAt(i + 1) : 0;
        if (d < 0xdc00 || d > 0xdfff) fail(i);
        i += 2;
        continue;
      }
      if (c >= 0xdc00 && c <= 0xdfff) fail(i);
      if (c !== 0x5c) {
        i++;
        continue;
      }
      out += text.slice(chunkStart, i);
      i++;
      if (i >= n) fail(i);
      const e = text.charCodeAt(i++);
      switch (e) {
        case 0x22: out += '"'; break;
        case 0x5c: out += '\\'; break;
        case 0x2f: out += '/'; break;
        case 0x62: out += '\b'; break;
        case 0x66: out += '\f'; break;
        case 0x6e: out += '\n'; break;
        case 0x72: out += '\r'; break;
        case 0x74: out += '\t'; break;
        case 0x75: {
          const code = readHex4();
          if (code >= 0xdc00 && code <= 0xdfff) fail(i);
          if (code >= 0xd800 && code <= 0xdbff) {
            // nlohmann: a high surrogate escape must be followed by a low surrogate escape.
            if (text.charCodeAt(i) !== 0x5c || text.charCodeAt(i + 1) !== 0x75) fail(i);
            i += 2;
            const low = readHex4();
            if (low < 0xdc00 || low > 0xdfff) fail(i);
            out += String.fromCharCode(code, low);
          } else {
            out += String.fromCharCode(code);
          }
          break;
        }
        default:
          fail(i - 1);
      }
      chunkStart = i;
    }
  };

  const readNumber = () => {
    NUMBER.lastIndex = i;
    const match = NUMBER.exec(text);
    if (!match) fail(i);
    const token = match[0];
    i += token.length;
    if (match[1] === undefined && match[2] === undefined) {
      // nlohmann reads a signed integer with strtoll and an unsigned one with strtoull, and
      // falls back to a float when either overflows; get<int64_t>() of an unsigned value wraps.
      const big = BigInt(token);
      if (big >= INT64_MIN && big <= INT64_MAX) return new JsonNumber(big, Number(big));
      if (big > 0n && big <= UINT64_MAX) return new JsonNumber(BigInt.asIntN(64, big), Number(big));
    }
    return new JsonNumber(null, Number(token));
  };

  const readKey = () => {
    skipSpace();
    if (text.charCodeAt(i) !== 0x22) fail(i);
    const key = readString();
    skipSpace();
    if (text.charCodeAt(i) !== 0x3a) fail(i);
    i++;
    return key;
  };

  const stack = [];  // open containers: {object, key} or {array}
  for (;;) {
    // Read one value, or open a container and go on to its first element.
    skipSpace();
    if (i >= n) fail(i);
    const c = text.charCodeAt(i);
    let value;
    if (c === 0x7b) {
      i++;
      skipSpace();
      const object = Object.create(null);
      if (text.charCodeAt(i) === 0x7d) {
        i++;
        value = object;
      } else {
        stack.push({ object, key: readKey() });
        continue;
      }
    } else if (c === 0x5b) {
      i++;
      skipSpace();
      const array = [];
      if (text.charCodeAt(i) === 0x5d) {
        i++;
        value = array;
      } else {
        stack.push({ array });
        continue;
      }
    } else if (c === 0x22) {
      value = readString();
    } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      value = readNumber();
    } else if (text.startsWith('true', i)) {
      i += 4;
      value = true;
    } else if (text.startsWith('false', i)) {
      i += 5;
      value = false;
    } else if (text.startsWith('null', i)) {
      i += 4;
      value = null;
    } else {
      fail(i);
    }
    // Place the value, closing every container that ends after it.
    for (;;) {
      if (stack.length === 0) {
        skipSpace();
        if (i !== n) fail(i);
        return value;
      }
      const top = stack[stack.length - 1];
      if (top.object) top.object[top.key] = value;
      else top.array.push(value);
      skipSpace();
      const d = text.charCodeAt(i);
      if (d === 0x2c) {
        i++;
        if (top.object) top.key = readKey();
        break;
      }
      if (d === (top.object ? 0x7d : 0x5d)) {
        i++;
        stack.pop();
        value = top.object || top.array;
        continue;
      }
      fail(i);
    }
  }
}

// What nlohmann's is_object() says: not an array, number, string, boolean or null.
export function isJsonObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value) &&
      !(value instanceof JsonNumber);
}

export function has(object, key) {
  return Object.prototype.hasOwnProperty.call(object, key);
}
