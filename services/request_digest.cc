#include "services/request_digest.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <memory>
#include <string>

#include "common/sha256.h"

namespace encuentro::services {

records::RequestKey RequestKeyOf(const google::protobuf::Message& request) {
  std::unique_ptr<google::protobuf::Message> content(request.New());
  content->CopyFrom(request);
  const google::protobuf::FieldDescriptor* id_field =
      content->GetDescriptor()->FindFieldByName("request_id");
  records::RequestKey key;
  if (id_field != nullptr) {
    key.id = content->GetReflection()->GetString(*content, id_field);
    content->GetReflection()->ClearField(content.get(), id_field);
  }
  // Deterministic: map entries in key order, so that one request always has one digest.
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    content->SerializeToCodedStream(&coded);
  }
  key.digest = Sha256Hex(bytes);
  return key;
}

}  // namespace encuentro::services
