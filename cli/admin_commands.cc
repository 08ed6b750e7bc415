#include "cli/admin_commands.h"

#include <cstdio>
#include <memory>

#include "cli/output.h"
#include "encuentro/v1/admin.grpc.pb.h"

namespace encuentro::cli {
namespace {

struct AdminFlags {
  std::string name;
  std::string kind;
  std::string organization;
  std::string role;
  std::string certificate_subject;
  int64_t valid_for_days = 0;
  std::string description;
  int64_t id = 0;
  std::string record;
  std::string consent;
};

// Runs one AdminService call and prints its answer.
template <typename Call, typename Response>
void Run(const ClientOptions& options, int* exit_code, const char* method, Call call,
         Response* response) {
  auto stub = v1::AdminService::NewStub(OpenChannel(options));
  grpc::Status status = call(*stub, NewContext(options).get());
  if (!status.ok()) {
    *exit_code = ReportRpcError(method, status);
    return;
  }
  PrintMessage(*response, options.json);
}

}  // namespace

void AddAdminCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto flags = std::make_shared<AdminFlags>();
  CLI::App* admin = app.add_subcommand("admin", "Organizations, users, tokens and case links");
  admin->require_subcommand(1);

  CLI::App* org = admin->add_subcommand("create-org", "Create an organization (admin)");
  org->add_option("name", flags->name)->required();
  org->add_option("--kind", flags->kind)
      ->required()
      ->check(
          CLI::IsMember({"search_commission", "forensic_lab", "families_collective", "operator"}));
  org->callback([=, &options] {
    v1::CreateOrganizationRequest request;
    request.mutable_organization()->set_name(flags->name);
    request.mutable_organization()->set_kind(flags->kind);
    auto response = std::make_shared<v1::Organization>();
    Run(
        options, exit_code, "AdminService.CreateOrganization",
        [&](v1::AdminService::Stub& stub, grpc::ClientContext* context) {
          return stub.CreateOrganization(context, request, response.get());
        },
        response.get());
  });

  CLI::App* user = admin->add_subcommand("create-user", "Create a user (admin)");
  user->add_option("name", flags->name)->required();
  user->add_option("--org", flags->organization)->required();
  user->add_option("--role", flags->role)
      ->required()
      ->check(CLI::IsMember({"admin", "commission_staff", "forensic_lab", "family_auditor"}));
  user->add_option("--certificate-subject", flags->certificate_subject,
                   "Client certificate subject CN, for mutual TLS");
  user->callback([=, &options] {
    v1::CreateUserRequest request;
    request.mutable_user()->set_name(flags->name);
    request.mutable_user()->set_organization(flags->organization);
    request.mutable_user()->set_role(flags->role);
    request.mutable_user()->set_certificate_subject(flags->certificate_subject);
    auto response = std::make_shared<v1::User>();
    Run(
        options, exit_code, "AdminService.CreateUser",
        [&](v1::AdminService::Stub& stub, grpc::ClientContext* context) {
          return stub.CreateUser(context, request, response.get());
        },
        response.get());
  });

  CLI::App* issue = admin->add_subcommand("issue-token", "Issue an API token (admin; shown once)");
  issue->add_option("user", flags->name)->required();
  issue->add_option("--valid-for-days", flags->valid_for_days, "0: no expiry")
      ->check(CLI::Range(0, 3650));
  issue->add_option("--description", flags->description);
  issue->callback([=, &options] {
    v1::IssueTokenRequest request;
    request.set_user(flags->name);
    request.set_valid_for_days(flags->valid_for_days);
    request.set_description(flags->description);
    auto response = std::make_shared<v1::IssuedToken>();
    Run(
        options, exit_code, "AdminService.IssueToken",
        [&](v1::AdminService::Stub& stub, grpc::ClientContext* context) {
          return stub.IssueToken(context, request, response.get());
        },
        response.get());
  });

  CLI::App* revoke = admin->add_subcommand("revoke-token", "Revoke an API token by id (admin)");
  revoke->add_option("id", flags->id)->required();
  revoke->callback([=, &options] {
    v1::RevokeTokenRequest request;
    request.set_id(flags->id);
    auto response = std::make_shared<v1::RevokeTokenResponse>();
    Run(
        options, exit_code, "AdminService.RevokeToken",
        [&](v1::AdminService::Stub& stub, grpc::ClientContext* context) {
          return stub.RevokeToken(context, request, response.get());
        },
        response.get());
  });

  CLI::App* link = admin->add_subcommand(
      "link-case", "Let a families' collective audit a case, with the family's consent (staff)");
  link->add_option("organization", flags->organization, "The families' collective")->required();
  link->add_option("record", flags->record, "missingPersons/ID or remains/ID")->required();
  link->add_option("--consent", flags->consent, "How the family consented")->required();
  link->callback([=, &options] {
    v1::LinkCaseRequest request;
    request.set_organization(flags->organization);
    request.set_record(flags->record);
    request.set_consent(flags->consent);
    auto response = std::make_shared<v1::LinkCaseResponse>();
    Run(
        options, exit_code, "AdminService.LinkCase",
        [&](v1::AdminService::Stub& stub, grpc::ClientContext* context) {
          return stub.LinkCase(context, request, response.get());
        },
        response.get());
  });
}

}  // namespace encuentro::cli
