// Reads the binary PPM chips that encuentro_dump_face_chips writes (Node.js has no PNG decoder).
'use strict';

const fs = require('fs');

// "P6\n<w> <h>\n255\n" then w*h*3 bytes: {width, height, pixels}.
function readPpm(file) {
  const data = fs.readFileSync(file);
  const header = data.subarray(0, 64).toString('latin1');
  const match = /^P6\s+(\d+)\s+(\d+)\s+255\s/.exec(header);
  if (!match) throw new Error(`${file}: not a binary PPM`);
  const width = Number(match[1]);
  const height = Number(match[2]);
  const pixels = data.subarray(match[0].length);
  if (pixels.length !== width * height * 3) throw new Error(`${file}: wrong pixel count`);
  return { width, height, pixels };
}

module.exports = { readPpm };
