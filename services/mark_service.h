// encuentro.v1.MarkService: validate and translate requests, then hand them to the records
// module's MarkRecords.
#pragma once

#include "encuentro/v1/marks.grpc.pb.h"
#include "records/marks.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Requests are parsed by ParsedService, which names a field holding invalid UTF-8. Thread-safe
// (MarkRecords is).
class MarkServiceImpl final : public ParsedService<v1::MarkService> {
 public:
  MarkServiceImpl(Gatekeeper* gate, records::MarkRecords* marks) : gate_(gate), marks_(marks) {
    ServeUnary(&MarkServiceImpl::CreateMark);
    ServeUnary(&MarkServiceImpl::GetMark);
    ServeUnary(&MarkServiceImpl::ListMarks);
    ServeUnary(&MarkServiceImpl::UpdateMark);
    ServeUnary(&MarkServiceImpl::DeleteMark);
    ServeUnary(&MarkServiceImpl::SearchMarks);
  }

  grpc::Status CreateMark(grpc::ServerContext* context, const v1::CreateMarkRequest* request,
                          v1::DistinguishingMark* response) override;
  grpc::Status GetMark(grpc::ServerContext* context, const v1::GetMarkRequest* request,
                       v1::DistinguishingMark* response) override;
  grpc::Status ListMarks(grpc::ServerContext* context, const v1::ListMarksRequest* request,
                         v1::ListMarksResponse* response) override;
  grpc::Status UpdateMark(grpc::ServerContext* context, const v1::UpdateMarkRequest* request,
                          v1::DistinguishingMark* response) override;
  grpc::Status DeleteMark(grpc::ServerContext* context, const v1::DeleteMarkRequest* request,
                          v1::DistinguishingMark* response) override;
  grpc::Status SearchMarks(grpc::ServerContext* context, const v1::SearchMarksRequest* request,
                           v1::SearchMarksResponse* response) override;

 private:
  Gatekeeper* gate_;
  records::MarkRecords* marks_;
};

}  // namespace encuentro::services
