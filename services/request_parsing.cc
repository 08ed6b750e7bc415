#include "services/request_parsing.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/unknown_field_set.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "common/field_violations.h"
#include "common/text.h"

namespace encuentro::services {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// Walks the wire format (which UnknownFieldSet parses without any UTF-8 check) against the
// message's descriptor, collecting the paths of string fields that are not UTF-8.
void FindInvalidUtf8(const Descriptor* descriptor, const std::string& bytes,
                     const std::string& prefix, std::vector<FieldViolation>* bad) {
  UnknownFieldSet fields;
  if (!fields.ParseFromString(bytes)) return;
  std::map<int, int> occurrences;
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& field = fields.field(i);
    if (field.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const FieldDescriptor* fd = descriptor->FindFieldByNumber(field.number());
    if (fd == nullptr) continue;
    std::string path = prefix + fd->name();
    if (fd->is_repeated()) {
      // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on "[" + std::to_string(...).
      path += '[';
      path += std::to_string(occurrences[field.number()]++);
      path += ']';
    }
    if (fd->type() == FieldDescriptor::TYPE_STRING && !IsValidUtf8(field.length_delimited())) {
      bad->push_back({path, "must be valid UTF-8"});
    } else if (fd->type() == FieldDescriptor::TYPE_MESSAGE) {
      FindInvalidUtf8(fd->message_type(), field.length_delimited(), path + ".", bad);
    }
  }
}

}  // namespace

absl::Status ParseRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return absl::InternalError("unreadable request payload");
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (message->ParseFromString(bytes)) return absl::OkStatus();
  std::vector<FieldViolation> bad;
  FindInvalidUtf8(message->GetDescriptor(), bytes, "", &bad);
  if (bad.empty()) {
    return absl::InvalidArgumentError("request is not a well-formed " + message->GetTypeName());
  }
  return InvalidFields(bad);
}

int MethodIndexOf(const char* service_full_name, const google::protobuf::Descriptor* request,
                  const google::protobuf::Descriptor* response, bool client_streaming,
                  bool server_streaming) {
  const google::protobuf::ServiceDescriptor* service =
      google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(service_full_name);
  int found = -1;
  int matches = 0;
  for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
    const google::protobuf::MethodDescriptor* method = service->method(i);
    if (method->input_type() == request && method->output_type() == response &&
        method->client_streaming() == client_streaming &&
        method->server_streaming() == server_streaming) {
      found = i;
      ++matches;
    }
  }
  // Two methods of one shape would leave one of them to gRPC's own parser unnoticed.
  if (matches != 1) {
    spdlog::critical("{} has {} methods from {} to {} of the registered streaming kind; need one",
                     service_full_name, matches, request->full_name(), response->full_name());
    std::abort();
  }
  return found;
}

}  // namespace encuentro::services
