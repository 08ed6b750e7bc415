// A face template: the numbers a face model gives one face, compared by Euclidean distance. The
// descriptor types of every module (the face pipeline, photo records, the gallery, matching):
// dlib's 128-d descriptor and the second model's (MobileFaceNet's) 192-d unit-length embedding.
// Descriptors of different models are never comparable, so wherever one is kept the id of the
// model that made it is kept beside it (records::Photo::model_id and second_model_id, the face
// calibration's model ids).
#pragma once

#include <array>
#include <cmath>

namespace encuentro {

inline constexpr int kDescriptorSize = 128;
using FaceDescriptor = std::array<float, kDescriptorSize>;

// Euclidean distance between two descriptors seen in place (kDescriptorSize floats each), the
// metric dlib's descriptors and their 0.6 threshold are made for.
float DescriptorDistance(const float* a, const float* b);

inline float DescriptorDistance(const FaceDescriptor& a, const FaceDescriptor& b) {
  return DescriptorDistance(a.data(), b.data());
}

inline constexpr int kSecondEmbeddingSize = 192;
using SecondFaceEmbedding = std::array<float, kSecondEmbeddingSize>;

// Euclidean distance between two second-model embeddings seen in place (kSecondEmbeddingSize
// floats each); 0 to 2 on unit vectors.
float SecondEmbeddingDistance(const float* a, const float* b);

inline float SecondEmbeddingDistance(const SecondFaceEmbedding& a, const SecondFaceEmbedding& b) {
  return SecondEmbeddingDistance(a.data(), b.data());
}

// The distance between two faces seen by both models: the weighted sum of the two models'
// distances (the sum rule of score-level fusion). On LFW fold 1 it classified pairs at least as
// well as the distance between the concatenated descriptors, over a wider range of weights.
inline float FusedDistance(float descriptor_distance, float second_distance, float second_weight) {
  return descriptor_distance + second_weight * second_distance;
}

}  // namespace encuentro
