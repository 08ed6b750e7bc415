#include "common/face_descriptor.h"

#include <cmath>

namespace encuentro {

float DescriptorDistance(const float* a, const float* b) {
  // Sixteen running sums, which the compiler keeps in vector registers. FAISS's fvec_L2sqr, as
  // Debian builds it (no SIMD dispatch), sums one float at a time and was a fifth of a search's
  // scan. The sums' order is fixed, so a pair's distance is the same in every search.
  constexpr int kLanes = 16;
  static_assert(kDescriptorSize % kLanes == 0);
  float partial[kLanes] = {};
  for (int i = 0; i < kDescriptorSize; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) {
      const float d = a[i + j] - b[i + j];
      partial[j] += d * d;
    }
  }
  float sum = 0;
  for (const float p : partial) sum += p;
  return std::sqrt(sum);
}

}  // namespace encuentro
