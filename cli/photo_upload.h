// Streams one photo to PhotoService.AddPhoto in chunks: shared by `encuentro photos add` and the
// bulk importers.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "absl/status/statusor.h"
#include "encuentro/v1/photos.grpc.pb.h"

namespace encuentro::cli {

// Sends `metadata` then `bytes` in 64 KiB chunks and waits for the stored photo.
grpc::Status UploadPhoto(v1::PhotoService::Stub& stub, grpc::ClientContext* context,
                         const v1::AddPhotoRequest::Metadata& metadata, const std::string& bytes,
                         v1::Photo* photo);

// How long one upload of `bytes` may take: the client's --timeout, times the uploads sent at once
// (they share the server's analysis slots), plus 5 s per MiB (a large photo with many faces costs
// seconds to decode and analyse).
std::chrono::seconds UploadTimeout(int timeout_seconds, std::size_t bytes, int concurrent);

// `bytes` random bytes in hex, for request ids.
std::string RandomHex(std::size_t bytes);

// Reads a whole file; false if it cannot be read.
bool ReadFileBytes(const std::string& path, std::string* bytes);

// The server's default --max-photo-bytes: the largest photo worth sending.
inline constexpr std::uintmax_t kDefaultMaxPhotoBytes = 20 << 20;

// Reads a photo file: a regular file of at most `max_bytes`, checked before a byte is read.
// INVALID_ARGUMENT names the rule broken; NOT_FOUND a missing or unreadable file.
absl::StatusOr<std::string> ReadPhotoFile(const std::filesystem::path& path,
                                          std::uintmax_t max_bytes);

// Reads the photo `entry` names, relative to `folder`. It must resolve (after `..` and symbolic
// links) to a regular file inside `folder` of at most `max_bytes`, all checked before a byte is
// read: a CSV must not make the importer read /dev/zero or a file elsewhere on the machine.
// INVALID_ARGUMENT names the rule broken; NOT_FOUND a missing file.
absl::StatusOr<std::string> ReadPhotoInside(const std::filesystem::path& folder,
                                            const std::string& entry, std::uintmax_t max_bytes);

}  // namespace encuentro::cli
