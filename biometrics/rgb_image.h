// An 8-bit RGB raster: what the image decoder produces and the face pipeline consumes. A plain
// value type so callers need neither OpenCV nor dlib headers.
#ifndef ENCUENTRO_BIOMETRICS_RGB_IMAGE_H_
#define ENCUENTRO_BIOMETRICS_RGB_IMAGE_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace encuentro::biometrics {

struct RgbImage {
  int width = 0;
  int height = 0;
  // Row-major, interleaved R, G, B; exactly width * height * 3 bytes, no row padding.
  std::vector<std::uint8_t> pixels;

  bool empty() const { return width <= 0 || height <= 0; }
  std::size_t ByteSize() const {
    return static_cast<std::size_t>(width) * static_cast<std::size_t>(height) * 3;
  }
};

}  // namespace encuentro::biometrics

#endif  // ENCUENTRO_BIOMETRICS_RGB_IMAGE_H_
