// encuentro.v1.MissingPersonService and RemainsService: validate and translate requests, then
// hand them to the records module.
#pragma once

#include "encuentro/v1/missing_persons.grpc.pb.h"
#include "encuentro/v1/remains.grpc.pb.h"
#include "records/case_records.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Requests are parsed by ParsedService, which names a field holding invalid UTF-8.
// Thread-safe (CaseRecords is).
class MissingPersonServiceImpl final : public ParsedService<v1::MissingPersonService> {
 public:
  MissingPersonServiceImpl(Gatekeeper* gate, records::CaseRecords* records)
      : gate_(gate), records_(records) {
    ServeUnary(&MissingPersonServiceImpl::CreateMissingPerson);
    ServeUnary(&MissingPersonServiceImpl::GetMissingPerson);
    ServeUnary(&MissingPersonServiceImpl::ListMissingPersons);
    ServeUnary(&MissingPersonServiceImpl::UpdateMissingPerson);
    ServeUnary(&MissingPersonServiceImpl::DeleteMissingPerson);
  }

  grpc::Status CreateMissingPerson(grpc::ServerContext* context,
                                   const v1::CreateMissingPersonRequest* request,
                                   v1::MissingPerson* response) override;
  grpc::Status GetMissingPerson(grpc::ServerContext* context,
                                const v1::GetMissingPersonRequest* request,
                                v1::MissingPerson* response) override;
  grpc::Status ListMissingPersons(grpc::ServerContext* context,
                                  const v1::ListMissingPersonsRequest* request,
                                  v1::ListMissingPersonsResponse* response) override;
  grpc::Status UpdateMissingPerson(grpc::ServerContext* context,
                                   const v1::UpdateMissingPersonRequest* request,
                                   v1::MissingPerson* response) override;
  grpc::Status DeleteMissingPerson(grpc::ServerContext* context,
                                   const v1::DeleteMissingPersonRequest* request,
                                   v1::MissingPerson* response) override;

 private:
  Gatekeeper* gate_;
  records::CaseRecords* records_;
};

// As MissingPersonServiceImpl. Thread-safe (CaseRecords is).
class RemainsServiceImpl final : public ParsedService<v1::RemainsService> {
 public:
  RemainsServiceImpl(Gatekeeper* gate, records::CaseRecords* records)
      : gate_(gate), records_(records) {
    ServeUnary(&RemainsServiceImpl::CreateRemains);
    ServeUnary(&RemainsServiceImpl::GetRemains);
    ServeUnary(&RemainsServiceImpl::ListRemains);
    ServeUnary(&RemainsServiceImpl::UpdateRemains);
    ServeUnary(&RemainsServiceImpl::DeleteRemains);
  }

  grpc::Status CreateRemains(grpc::ServerContext* context, const v1::CreateRemainsRequest* request,
                             v1::UnidentifiedRemains* response) override;
  grpc::Status GetRemains(grpc::ServerContext* context, const v1::GetRemainsRequest* request,
                          v1::UnidentifiedRemains* response) override;
  grpc::Status ListRemains(grpc::ServerContext* context, const v1::ListRemainsRequest* request,
                           v1::ListRemainsResponse* response) override;
  grpc::Status UpdateRemains(grpc::ServerContext* context, const v1::UpdateRemainsRequest* request,
                             v1::UnidentifiedRemains* response) override;
  grpc::Status DeleteRemains(grpc::ServerContext* context, const v1::DeleteRemainsRequest* request,
                             v1::UnidentifiedRemains* response) override;

 private:
  Gatekeeper* gate_;
  records::CaseRecords* records_;
};

}  // namespace encuentro::services
