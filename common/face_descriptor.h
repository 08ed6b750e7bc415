// A face template: the numbers a face model gives one face, compared by Euclidean distance. The
// one descriptor type of every module (the face pipeline, photo records, the gallery, matching).
// Descriptors of different models are never comparable, so wherever one is kept the id of the
// model that made it is kept beside it (records::Photo::model_id, the face calibration's model).
#pragma once

#include <array>

namespace encuentro {

inline constexpr int kDescriptorSize = 128;
using FaceDescriptor = std::array<float, kDescriptorSize>;

// Euclidean distance between two descriptors seen in place (kDescriptorSize floats each), the
// metric dlib's descriptors and their 0.6 threshold are made for.
float DescriptorDistance(const float* a, const float* b);

inline float DescriptorDistance(const FaceDescriptor& a, const FaceDescriptor& b) {
  return DescriptorDistance(a.data(), b.data());
}

}  // namespace encuentro
