// Streams one photo to PhotoService.AddPhoto in chunks: shared by `encuentro photos add` and the
// bulk importers.
#pragma once

#include <string>

#include "encuentro/v1/photos.grpc.pb.h"

namespace encuentro::cli {

// Sends `metadata` then `bytes` in 64 KiB chunks and waits for the stored photo.
grpc::Status UploadPhoto(v1::PhotoService::Stub& stub, grpc::ClientContext* context,
                         const v1::AddPhotoRequest::Metadata& metadata, const std::string& bytes,
                         v1::Photo* photo);

// Reads a whole file; false if it cannot be read.
bool ReadFileBytes(const std::string& path, std::string* bytes);

}  // namespace encuentro::cli
