// encuentro.v1.MissingPersonService and RemainsService: validate and translate requests, then
// hand them to the records module.
#pragma once

#include "encuentro/v1/missing_persons.grpc.pb.h"
#include "encuentro/v1/remains.grpc.pb.h"
#include "records/case_records.h"

namespace encuentro::services {

// Thread-safe (CaseRecords is).
class MissingPersonServiceImpl final : public v1::MissingPersonService::Service {
 public:
  explicit MissingPersonServiceImpl(records::CaseRecords* records) : records_(records) {}

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
  records::CaseRecords* records_;
};

// Thread-safe (CaseRecords is).
class RemainsServiceImpl final : public v1::RemainsService::Service {
 public:
  explicit RemainsServiceImpl(records::CaseRecords* records) : records_(records) {}

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
  records::CaseRecords* records_;
};

}  // namespace encuentro::services
