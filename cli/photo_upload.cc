#include "cli/photo_upload.h"

#include <algorithm>
#include <fstream>
#include <random>
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

std::chrono::seconds UploadTimeout(int timeout_seconds, std::size_t bytes, int concurrent) {
  const auto mib = static_cast<std::int64_t>((bytes + (1u << 20) - 1) >> 20);
  return std::chrono::seconds(std::int64_t{timeout_seconds} * std::max(1, concurrent) + 5 * mib);
}

std::string RandomHex(std::size_t bytes) {
  std::random_device device;
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (std::size_t i = 0; i < bytes; ++i) {
    const unsigned byte = device() & 0xFFu;
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 0xFu];
  }
  return hex;
}

bool ReadFileBytes(const std::string& path, std::string* bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *bytes = buffer.str();
  return !in.bad();
}

absl::StatusOr<std::string> ReadPhotoInside(const std::filesystem::path& folder,
                                            const std::string& entry, std::uintmax_t max_bytes) {
  namespace fs = std::filesystem;
  const fs::path relative(entry);
  if (entry.empty() || relative.is_absolute()) {
    return absl::InvalidArgumentError(entry + ": photos are named relative to --photos");
  }
  std::error_code ec;
  const fs::path root = fs::canonical(folder, ec);
  if (ec) return absl::NotFoundError("photos folder " + folder.string() + ": " + ec.message());
  const fs::path resolved = fs::weakly_canonical(root / relative, ec);
  if (ec) return absl::NotFoundError("file missing: " + (folder / relative).string());
  // Inside means every component of the folder is a leading component of the file.
  const auto [folder_end, unused] =
      std::mismatch(root.begin(), root.end(), resolved.begin(), resolved.end());
  if (folder_end != root.end()) {
    return absl::InvalidArgumentError(entry + ": resolves outside --photos (" + root.string() +
                                      ")");
  }
  if (!fs::exists(resolved, ec)) {
    return absl::NotFoundError("file missing: " + (folder / relative).string());
  }
  return ReadPhotoFile(resolved, max_bytes);
}

absl::StatusOr<std::string> ReadPhotoFile(const std::filesystem::path& path,
                                          std::uintmax_t max_bytes) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (ec || !fs::exists(status)) return absl::NotFoundError("file missing: " + path.string());
  if (!fs::is_regular_file(status)) {
    return absl::InvalidArgumentError(path.string() + ": not a regular file");
  }
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) return absl::NotFoundError("cannot read " + path.string());
  if (size > max_bytes) {
    return absl::InvalidArgumentError(path.string() + ": " + std::to_string(size) +
                                      " bytes, more than the " + std::to_string(max_bytes) +
                                      " a photo may have");
  }
  std::string bytes;
  if (!ReadFileBytes(path.string(), &bytes) || bytes.size() > max_bytes) {
    return absl::NotFoundError("cannot read " + path.string());
  }
  return bytes;
}

}  // namespace encuentro::cli
