// Request parsing that names the field at fault. protobuf refuses a proto3 string holding invalid
// UTF-8 without saying which field (and gRPC would answer INTERNAL); the methods that take free
// text receive their requests raw and parse them here, answering INVALID_ARGUMENT with a
// google.rpc.BadRequest naming each such field.
#pragma once

#include <google/protobuf/message.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/status.h>

namespace encuentro::services {

// Parses `buffer` into `message`; `buffer` is left unchanged.
grpc::Status ParseRequest(const grpc::ByteBuffer& buffer, google::protobuf::Message* message);

}  // namespace encuentro::services

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

namespace encuentro::services {

// Serves a raw callback method: parses the request with ParseRequest, runs
// `handle(context, request, &response)` and serializes the response. The handler runs on the
// callback thread, which is acceptable for these short record writes.
template <typename Request, typename Response, typename Handle>
grpc::ServerUnaryReactor* ServeRawUnary(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* in, grpc::ByteBuffer* out,
                                        Handle handle) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  Request request;
  grpc::Status status = ParseRequest(*in, &request);
  if (status.ok()) {
    Response response;
    status = handle(*context, request, &response);
    if (status.ok()) {
      bool own_buffer = false;
      status = grpc::SerializationTraits<Response>::Serialize(response, out, &own_buffer);
    }
  }
  reactor->Finish(status);
  return reactor;
}

}  // namespace encuentro::services
