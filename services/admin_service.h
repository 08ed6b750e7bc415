// encuentro.v1.AdminService: organizations, users, tokens and case links, translated to
// auth::Principals.
#pragma once

#include "auth/principals.h"
#include "encuentro/v1/admin.grpc.pb.h"
#include "services/gatekeeper.h"
#include "services/parsed_service.h"

namespace encuentro::services {

// Thread-safe (Principals is).
class AdminServiceImpl final : public ParsedService<v1::AdminService> {
 public:
  AdminServiceImpl(Gatekeeper* gate, auth::Principals* principals)
      : gate_(gate), principals_(principals) {
    ServeUnary(&AdminServiceImpl::CreateOrganization);
    ServeUnary(&AdminServiceImpl::CreateUser);
    ServeUnary(&AdminServiceImpl::IssueToken);
    ServeUnary(&AdminServiceImpl::RevokeToken);
    ServeUnary(&AdminServiceImpl::LinkCase);
  }

  grpc::Status CreateOrganization(grpc::ServerContext* context,
                                  const v1::CreateOrganizationRequest* request,
                                  v1::Organization* response) override;
  grpc::Status CreateUser(grpc::ServerContext* context, const v1::CreateUserRequest* request,
                          v1::User* response) override;
  grpc::Status IssueToken(grpc::ServerContext* context, const v1::IssueTokenRequest* request,
                          v1::IssuedToken* response) override;
  grpc::Status RevokeToken(grpc::ServerContext* context, const v1::RevokeTokenRequest* request,
                           v1::RevokeTokenResponse* response) override;
  grpc::Status LinkCase(grpc::ServerContext* context, const v1::LinkCaseRequest* request,
                        v1::LinkCaseResponse* response) override;

 private:
  Gatekeeper* gate_;
  auth::Principals* principals_;
};

}  // namespace encuentro::services
