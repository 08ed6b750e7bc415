// encuentro.v1.MarkService: validate and translate requests, then hand them to the records
// module's MarkRecords.
#pragma once

#include <grpcpp/support/server_callback.h>

#include "encuentro/v1/marks.grpc.pb.h"
#include "records/marks.h"
#include "services/gatekeeper.h"

namespace encuentro::services {

// The methods that take free text receive their requests raw (see request_parsing.h), so that
// invalid UTF-8 is reported field by field. Thread-safe (MarkRecords is).
class MarkServiceImpl final
    : public v1::MarkService::WithRawCallbackMethod_CreateMark<
          v1::MarkService::WithRawCallbackMethod_UpdateMark<
              v1::MarkService::WithRawCallbackMethod_DeleteMark<
                  v1::MarkService::WithRawCallbackMethod_SearchMarks<v1::MarkService::Service>>>> {
 public:
  MarkServiceImpl(Gatekeeper* gate, records::MarkRecords* marks) : gate_(gate), marks_(marks) {}

  grpc::ServerUnaryReactor* CreateMark(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateMark(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteMark(grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request,
                                       grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* SearchMarks(grpc::CallbackServerContext* context,
                                        const grpc::ByteBuffer* request,
                                        grpc::ByteBuffer* response) override;
  grpc::Status GetMark(grpc::ServerContext* context, const v1::GetMarkRequest* request,
                       v1::DistinguishingMark* response) override;
  grpc::Status ListMarks(grpc::ServerContext* context, const v1::ListMarksRequest* request,
                         v1::ListMarksResponse* response) override;

 private:
  grpc::Status Create(const grpc::ServerContextBase& context, const v1::CreateMarkRequest& request,
                      v1::DistinguishingMark* response);
  grpc::Status Update(const grpc::ServerContextBase& context, const v1::UpdateMarkRequest& request,
                      v1::DistinguishingMark* response);
  grpc::Status Delete(const grpc::ServerContextBase& context, const v1::DeleteMarkRequest& request,
                      v1::DistinguishingMark* response);
  grpc::Status Search(const grpc::ServerContextBase& context, const v1::SearchMarksRequest& request,
                      v1::SearchMarksResponse* response);

  Gatekeeper* gate_;
  records::MarkRecords* marks_;
};

}  // namespace encuentro::services
