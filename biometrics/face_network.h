// The 128-d face descriptor network: dlib's ResNet from examples/dnn_face_recognition_ex.cpp.
// Defined once here so the weight converter and the pipeline agree on the exact layer layout.
#ifndef ENCUENTRO_BIOMETRICS_FACE_NETWORK_H_
#define ENCUENTRO_BIOMETRICS_FACE_NETWORK_H_

#include <dlib/dnn.h>

namespace encuentro::biometrics::face_network {

// Side of the aligned face chip the network consumes, and the padding around the landmarks that
// dlib's training used. Changing either silently changes every descriptor.
inline constexpr int kChipSize = 150;
inline constexpr double kChipPadding = 0.25;
inline constexpr int kDescriptorSize = 128;

namespace layers {

template <template <int, template <typename> class, int, typename> class Block, int N,
          template <typename> class BN, typename SUBNET>
using residual = dlib::add_prev1<Block<N, BN, 1, dlib::tag1<SUBNET>>>;

template <template <int, template <typename> class, int, typename> class Block, int N,
          template <typename> class BN, typename SUBNET>
using residual_down = dlib::add_prev2<
    dlib::avg_pool<2, 2, 2, 2, dlib::skip1<dlib::tag2<Block<N, BN, 2, dlib::tag1<SUBNET>>>>>>;

template <int N, template <typename> class BN, int stride, typename SUBNET>
using block =
    BN<dlib::con<N, 3, 3, 1, 1, dlib::relu<BN<dlib::con<N, 3, 3, stride, stride, SUBNET>>>>>;

template <int N, typename SUBNET>
using ares = dlib::relu<residual<block, N, dlib::affine, SUBNET>>;
template <int N, typename SUBNET>
using ares_down = dlib::relu<residual_down<block, N, dlib::affine, SUBNET>>;

template <typename SUBNET>
using alevel0 = ares_down<256, SUBNET>;
template <typename SUBNET>
using alevel1 = ares<256, ares<256, ares_down<256, SUBNET>>>;
template <typename SUBNET>
using alevel2 = ares<128, ares<128, ares_down<128, SUBNET>>>;
template <typename SUBNET>
using alevel3 = ares<64, ares<64, ares<64, ares_down<64, SUBNET>>>>;
template <typename SUBNET>
using alevel4 = ares<32, ares<32, ares<32, SUBNET>>>;

}  // namespace layers

// Identical to dlib's `anet_type`, so a file serialized from it is interchangeable with dlib's
// dlib_face_recognition_resnet_model_v1.dat.
using Network = dlib::loss_metric<dlib::fc_no_bias<
    kDescriptorSize,
    dlib::avg_pool_everything<
        layers::alevel0<layers::alevel1<layers::alevel2<layers::alevel3<layers::alevel4<
            dlib::max_pool<3, 3, 2, 2,
                           dlib::relu<dlib::affine<dlib::con<
                               32, 7, 7, 2, 2, dlib::input_rgb_image_sized<kChipSize>>>>>>>>>>>>>;

// Number of convolution (each followed by an affine) layers from input to output.
inline constexpr int kConvLayerCount = 29;

}  // namespace encuentro::biometrics::face_network

#endif  // ENCUENTRO_BIOMETRICS_FACE_NETWORK_H_
