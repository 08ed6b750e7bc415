#include "cli/photo_upload.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace encuentro::cli {
namespace {
constexpr size_t kChunkBytes = 64 << 10;
}  // namespace

grpc::Status UploadPhoto(v1::PhotoService::Stub& stub, grpc::ClientContext* context,
                         const v1::AddPhotoRequest::Metadata& metadata, const std::string& bytes,
                         v1::Photo* photo) {
  auto writer = stub.AddPhoto(context, photo);
  v1::AddPhotoRequest message;
  *message.mutable_metadata() = metadata;
  bool open = writer->Write(message);
  for (size_t offset = 0; open && offset < bytes.size(); offset += kChunkBytes) {
    message.Clear();
    message.set_chunk(bytes.substr(offset, std::min(kChunkBytes, bytes.size() - offset)));
    open = writer->Write(message);
  }
  // A closed stream means the server already answered (e.g. over the size limit); Finish says how.
  writer->WritesDone();
  return writer->Finish();
}

bool ReadFileBytes(const std::string& path, std::string* bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *bytes = buffer.str();
  return !in.bad();
}

}  // namespace encuentro::cli
