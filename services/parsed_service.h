// A generated gRPC service whose methods receive their requests as bytes and parse them with
// ParseRequest, so that invalid UTF-8 in any string field of any RPC is INVALID_ARGUMENT naming
// the field, where gRPC's own parsing would answer INTERNAL without a name.
//
// Each method is re-registered as a synchronous streamed method (gRPC's "streamed unary"
// mechanism): the wire protocol is unchanged, so clients see the service as declared, and the
// handler still runs on the synchronous server's bounded threads.
#pragma once

#include <google/protobuf/descriptor.h>
#include <grpcpp/impl/service_type.h>
#include <grpcpp/support/method_handler.h>
#include <grpcpp/support/sync_stream.h>

#include <functional>

#include "services/request_parsing.h"
#include "services/status_conversion.h"

namespace encuentro::services {

using RawStream = grpc::ServerReaderWriter<grpc::ByteBuffer, grpc::ByteBuffer>;

// The index of the method of service `service_full_name` that takes `request`; aborts unless it
// exists, returns `response` and streams as stated (a programming error, not a request's).
int MethodIndexOf(const char* service_full_name, const google::protobuf::Descriptor* request,
                  const google::protobuf::Descriptor* response, bool client_streaming,
                  bool server_streaming);

// The requests a client streams, parsed one by one. Not thread-safe (one reader per call).
template <typename Request>
class RequestReader {
 public:
  explicit RequestReader(RawStream* stream) : stream_(stream) {}

  // The next request; false at the end of the stream, or when a message does not parse, which
  // status() then says.
  bool Read(Request* request) {
    if (!status_.ok()) return false;
    grpc::ByteBuffer bytes;
    if (!stream_->Read(&bytes)) return false;
    status_ = ParseRequest(bytes, request);
    return status_.ok();
  }

  // OK unless a message failed to parse.
  const absl::Status& status() const { return status_; }

 private:
  RawStream* stream_;
  absl::Status status_;
};

// The responses a method streams to its client. Not thread-safe (one writer per call).
template <typename Response>
class ResponseWriter {
 public:
  explicit ResponseWriter(RawStream* stream) : stream_(stream) {}

  // False once the client has gone away.
  bool Write(const Response& response) {
    grpc::ByteBuffer bytes;
    bool own_buffer = false;
    if (!grpc::SerializationTraits<Response>::Serialize(response, &bytes, &own_buffer).ok()) {
      return false;
    }
    return stream_->Write(bytes);
  }

 private:
  RawStream* stream_;
};

// Derive from ParsedService<v1::XService> instead of v1::XService::Service and register every
// method in the constructor with one of the Serve* calls below; a method left unregistered would
// still be parsed by gRPC. The Serve* calls abort on a handler that does not match the method's
// declared types or streaming kind, which any test constructing the service reveals.
template <typename Generated>
class ParsedService : public Generated::Service {
 protected:
  template <typename Self, typename Request, typename Response>
  void ServeUnary(grpc::Status (Self::*handle)(grpc::ServerContext*, const Request*, Response*)) {
    Self* self = static_cast<Self*>(this);
    Register<Request, Response>(
        false, false, [self, handle](grpc::ServerContext* context, RawStream* stream) {
          RequestReader<Request> reader(stream);
          Request request;
          if (!reader.Read(&request)) return RequestMissing(*context, reader);
          Response response;
          grpc::Status status = (self->*handle)(context, &request, &response);
          if (status.ok() && !ResponseWriter<Response>(stream).Write(response)) {
            return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
          }
          return status;
        });
  }

  template <typename Self, typename Request, typename Response>
  void ServeClientStream(grpc::Status (Self::*handle)(grpc::ServerContext*, RequestReader<Request>*,
                                                      Response*)) {
    Self* self = static_cast<Self*>(this);
    Register<Request, Response>(
        true, false, [self, handle](grpc::ServerContext* context, RawStream* stream) {
          RequestReader<Request> reader(stream);
          Response response;
          grpc::Status status = (self->*handle)(context, &reader, &response);
          if (status.ok() && !ResponseWriter<Response>(stream).Write(response)) {
            return grpc::Status(grpc::StatusCode::CANCELLED, "the client went away");
          }
          return status;
        });
  }

  template <typename Self, typename Request, typename Response>
  void ServeServerStream(grpc::Status (Self::*handle)(grpc::ServerContext*, const Request*,
                                                      ResponseWriter<Response>*)) {
    Self* self = static_cast<Self*>(this);
    Register<Request, Response>(false, true,
                                [self, handle](grpc::ServerContext* context, RawStream* stream) {
                                  RequestReader<Request> reader(stream);
                                  Request request;
                                  if (!reader.Read(&request))
                                    return RequestMissing(*context, reader);
                                  ResponseWriter<Response> writer(stream);
                                  return (self->*handle)(context, &request, &writer);
                                });
  }

  template <typename Self, typename Request, typename Response>
  void ServeBidiStream(grpc::Status (Self::*handle)(grpc::ServerContext*, RequestReader<Request>*,
                                                    ResponseWriter<Response>*)) {
    Self* self = static_cast<Self*>(this);
    Register<Request, Response>(true, true,
                                [self, handle](grpc::ServerContext* context, RawStream* stream) {
                                  RequestReader<Request> reader(stream);
                                  ResponseWriter<Response> writer(stream);
                                  return (self->*handle)(context, &reader, &writer);
                                });
  }

 private:
  using Handler = std::function<grpc::Status(grpc::ServerContext*, RawStream*)>;

  template <typename Request>
  static grpc::Status RequestMissing(grpc::ServerContext& context,
                                     const RequestReader<Request>& reader) {
    if (!reader.status().ok()) return ToGrpcStatus(reader.status());
    // A client that gave up (cancelled, or its deadline passed) sent nothing wrong.
    if (context.IsCancelled()) return grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "the call carried no request");
  }

  // Replaces the generated handler of the one method that takes `Request`.
  template <typename Request, typename Response>
  void Register(bool client_streaming, bool server_streaming, Handler handler) {
    const int index = MethodIndexOf(Generated::service_full_name(), Request::descriptor(),
                                    Response::descriptor(), client_streaming, server_streaming);
    // Indices follow declaration order in both the descriptor and the generated service.
    this->MarkMethodStreamed(
        index, new grpc::internal::BidiStreamingHandler<typename Generated::Service,
                                                        grpc::ByteBuffer, grpc::ByteBuffer>(
                   [handler = std::move(handler)](typename Generated::Service*,
                                                  grpc::ServerContext* context, RawStream* stream) {
                     return handler(context, stream);
                   },
                   this));
  }
};

}  // namespace encuentro::services
