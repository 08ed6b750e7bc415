// encuentro.v1.MissingPersonService and RemainsService: validate and translate requests, then
// hand them to the records module.
#pragma once

#include <grpcpp/support/server_callback.h>

#include "encuentro/v1/missing_persons.grpc.pb.h"
#include "encuentro/v1/remains.grpc.pb.h"
#include "records/case_records.h"
#include "services/gatekeeper.h"

namespace encuentro::services {

// The methods that take free text receive their requests raw (see request_parsing.h), so that
// invalid UTF-8 is reported field by field. Thread-safe (CaseRecords is).
class MissingPersonServiceImpl final
    : public v1::MissingPersonService::WithRawCallbackMethod_CreateMissingPerson<
          v1::MissingPersonService::WithRawCallbackMethod_UpdateMissingPerson<
              v1::MissingPersonService::WithRawCallbackMethod_DeleteMissingPerson<
                  v1::MissingPersonService::Service>>> {
 public:
  MissingPersonServiceImpl(Gatekeeper* gate, records::CaseRecords* records)
      : gate_(gate), records_(records) {}

  grpc::ServerUnaryReactor* CreateMissingPerson(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateMissingPerson(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteMissingPerson(grpc::CallbackServerContext* context,
                                                const grpc::ByteBuffer* request,
                                                grpc::ByteBuffer* response) override;
  grpc::Status GetMissingPerson(grpc::ServerContext* context,
                                const v1::GetMissingPersonRequest* request,
                                v1::MissingPerson* response) override;
  grpc::Status ListMissingPersons(grpc::ServerContext* context,
                                  const v1::ListMissingPersonsRequest* request,
                                  v1::ListMissingPersonsResponse* response) override;

 private:
  grpc::Status Create(const grpc::ServerContextBase& context,
                      const v1::CreateMissingPersonRequest& request, v1::MissingPerson* response);
  grpc::Status Update(const grpc::ServerContextBase& context,
                      const v1::UpdateMissingPersonRequest& request, v1::MissingPerson* response);
  grpc::Status Delete(const grpc::ServerContextBase& context,
                      const v1::DeleteMissingPersonRequest& request, v1::MissingPerson* response);

  Gatekeeper* gate_;
  records::CaseRecords* records_;
};

// Free-text methods are raw, as for MissingPersonServiceImpl. Thread-safe (CaseRecords is).
class RemainsServiceImpl final : public v1::RemainsService::WithRawCallbackMethod_CreateRemains<
                                     v1::RemainsService::WithRawCallbackMethod_UpdateRemains<
                                         v1::RemainsService::WithRawCallbackMethod_DeleteRemains<
                                             v1::RemainsService::Service>>> {
 public:
  RemainsServiceImpl(Gatekeeper* gate, records::CaseRecords* records)
      : gate_(gate), records_(records) {}

  grpc::ServerUnaryReactor* CreateRemains(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* UpdateRemains(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* DeleteRemains(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::Status GetRemains(grpc::ServerContext* context, const v1::GetRemainsRequest* request,
                          v1::UnidentifiedRemains* response) override;
  grpc::Status ListRemains(grpc::ServerContext* context, const v1::ListRemainsRequest* request,
                           v1::ListRemainsResponse* response) override;

 private:
  grpc::Status Create(const grpc::ServerContextBase& context,
                      const v1::CreateRemainsRequest& request, v1::UnidentifiedRemains* response);
  grpc::Status Update(const grpc::ServerContextBase& context,
                      const v1::UpdateRemainsRequest& request, v1::UnidentifiedRemains* response);
  grpc::Status Delete(const grpc::ServerContextBase& context,
                      const v1::DeleteRemainsRequest& request, v1::UnidentifiedRemains* response);

  Gatekeeper* gate_;
  records::CaseRecords* records_;
};

}  // namespace encuentro::services
