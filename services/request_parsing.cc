#include "services/request_parsing.h"

#include <google/protobuf/unknown_field_set.h>

#include <map>
#include <string>
#include <vector>

#include "common/text.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace encuentro::services {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// Walks the wire format (which UnknownFieldSet parses without any UTF-8 check) against the
// message's descriptor, collecting the paths of string fields that are not UTF-8.
void FindInvalidUtf8(const Descriptor* descriptor, const std::string& bytes,
                     const std::string& prefix, google::rpc::BadRequest* bad) {
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
      auto* violation = bad->add_field_violations();
      violation->set_field(path);
      violation->set_description("must be valid UTF-8");
    } else if (fd->type() == FieldDescriptor::TYPE_MESSAGE) {
      FindInvalidUtf8(fd->message_type(), field.length_delimited(), path + ".", bad);
    }
  }
}

}  // namespace

grpc::Status ParseRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message* message) {
  std::vector<grpc::Slice> slices;
  if (!buffer.Dump(&slices).ok()) return grpc::Status(grpc::StatusCode::INTERNAL, "bad payload");
  std::string bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  if (message->ParseFromString(bytes)) return grpc::Status::OK;
  google::rpc::BadRequest bad;
  FindInvalidUtf8(message->GetDescriptor(), bytes, "", &bad);
  if (bad.field_violations_size() == 0) {
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "request is not a well-formed " + message->GetTypeName());
  }
  std::string text = "invalid request: ";
  for (int i = 0; i < bad.field_violations_size(); ++i) {
    if (i > 0) text += "; ";
    text += bad.field_violations(i).field() + ": " + bad.field_violations(i).description();
  }
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  details.set_message(text);
  details.add_details()->PackFrom(bad);
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, text, details.SerializeAsString());
}

}  // namespace encuentro::services
