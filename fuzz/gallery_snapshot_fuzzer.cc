// A gallery snapshot file as encuentrod finds it at start-up (perhaps truncated by a crash, or
// corrupt on disk): loading must answer DATA_LOSS, never crash, hang or allocate without bound.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "index/face_gallery.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("encuentro-gallery-fuzz-" + std::to_string(getpid()) + ".snapshot");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  std::string watermark;
  (void)encuentro::index::FaceGallery::LoadSnapshot(path, {}, &watermark);
  return 0;
}
