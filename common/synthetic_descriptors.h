// Synthetic face descriptors for tests, benchmarks and load tools: random directions, and noisy
// copies standing in for a second photo of the same face. Never used on real data.
#pragma once

#include <cmath>
#include <random>

#include "common/face_descriptor.h"

namespace encuentro {

// A descriptor (of either model) of unit length in a uniformly random direction.
template <typename Descriptor = FaceDescriptor, typename Random>
Descriptor RandomUnitDescriptor(Random& random) {
  std::normal_distribution<float> normal;
  Descriptor d;
  float norm = 0;
  for (float& x : d) {
    x = normal(random);
    norm += x * x;
  }
  for (float& x : d) x /= std::sqrt(norm);
  return d;
}

// A copy of `d` moved by `distance` (Euclidean) in a random direction, as a second photo of the
// same face is.
template <typename Descriptor, typename Random>
Descriptor NearDescriptor(const Descriptor& d, float distance, Random& random) {
  const Descriptor noise = RandomUnitDescriptor<Descriptor>(random);
  Descriptor out;
  for (size_t i = 0; i < d.size(); ++i) out[i] = d[i] + distance * noise[i];
  return out;
}

}  // namespace encuentro
