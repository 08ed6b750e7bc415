// The digest that binds a create's request id to what the request asks for (records::RequestKey).
#pragma once

#include <google/protobuf/message.h>

#include "records/request_key.h"

namespace encuentro::services {

// The request's `request_id` and the SHA-256 of the request's deterministic serialization with
// that field cleared. Stable across retries of one request from any client built on this proto.
records::RequestKey RequestKeyOf(const google::protobuf::Message& request);

}  // namespace encuentro::services
