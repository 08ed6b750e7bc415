#include "cli/dna_commands.h"

#include <cctype>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/output.h"
#include "encuentro/v1/dna.grpc.pb.h"

namespace encuentro::cli {
namespace {

struct DnaFlags {
  std::string parent;
  std::string name;
  std::string donor;
  std::string relationship;
  std::string element;
  std::string lab;
  std::string kit;
  std::string collected;
  std::string status;
  std::string notes;
  std::string request_id;
  std::string etag;
  std::string reason;
  bool show_deleted = false;
};

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "encuentro: %s\n", message.c_str());
  return 2;
}

// Fills `sample` from the flags given; adds each to `mask` when not null. An error, or "".
std::string SampleFromFlags(const DnaFlags& f, v1::DnaSample* sample,
                            google::protobuf::FieldMask* mask) {
  const auto set = [&](const char* path) {
    if (mask != nullptr) mask->add_paths(path);
  };
  if (!f.donor.empty()) {
    sample->set_donor_name(f.donor);
    set("donor_name");
  }
  if (!f.relationship.empty()) {
    v1::DnaSample::Relationship relationship;
    if (!v1::DnaSample::Relationship_Parse(Upper(f.relationship), &relationship)) {
      return "--relationship: unknown '" + f.relationship + "'";
    }
    sample->set_relationship(relationship);
    set("relationship");
  }
  if (!f.element.empty()) {
    sample->set_skeletal_element(f.element);
    set("skeletal_element");
  }
  if (!f.lab.empty()) {
    sample->set_lab(f.lab);
    set("lab");
  }
  if (!f.kit.empty()) {
    sample->set_kit_id(f.kit);
    set("kit_id");
  }
  if (!f.collected.empty()) {
    if (!ParseIsoDate(f.collected, sample->mutable_collected_date())) {
      return "--collected: not a YYYY-MM-DD date";
    }
    set("collected_date");
  }
  if (!f.status.empty()) {
    v1::DnaSample::Status status;
    if (!v1::DnaSample::Status_Parse(Upper(f.status), &status)) {
      return "--status: collected, sent, profiled or failed";
    }
    sample->set_status(status);
    set("status");
  }
  if (!f.notes.empty()) {
    sample->set_notes(f.notes);
    set("notes");
  }
  return "";
}

void AddValueFlags(CLI::App* command, DnaFlags* f) {
  command->add_option("--donor", f->donor, "Family reference: the donor's name");
  command->add_option("--relationship", f->relationship,
                      "Family reference: mother, father, child, sibling, half_sibling, "
                      "grandparent, aunt_uncle, cousin, spouse or other");
  command->add_option("--element", f->element, "Post-mortem: the bone or tooth sampled");
  command->add_option("--lab", f->lab, "The genetics lab");
  command->add_option("--kit", f->kit, "Kit or lab sample id");
  command->add_option("--collected", f->collected, "YYYY-MM-DD collected");
  command->add_option("--status", f->status, "collected, sent, profiled or failed");
  command->add_option("--notes", f->notes, "Free text");
}

}  // namespace

void AddDnaCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto f = std::make_shared<DnaFlags>();
  CLI::App* group =
      app.add_subcommand("dna", "DNA samples: family references and post-mortem samples");
  group->require_subcommand(1);
  const auto stub = [&options] { return v1::DnaSampleService::NewStub(OpenChannel(options)); };
  const auto report = [exit_code, &options](const char* method, const grpc::Status& status,
                                            const google::protobuf::Message& out) {
    if (!status.ok()) {
      *exit_code = ReportRpcError(method, status);
    } else {
      PrintMessage(out, options.json);
    }
  };

  CLI::App* add = group->add_subcommand("add", "Record a sample on a missing person or remains");
  add->add_option("parent", f->parent, "missingPersons/ID or remains/ID")->required();
  AddValueFlags(add, f.get());
  add->add_option("--request-id", f->request_id, "Idempotency key");
  add->callback([=, &options] {
    v1::CreateDnaSampleRequest request;
    if (std::string e = SampleFromFlags(*f, request.mutable_dna_sample(), nullptr); !e.empty()) {
      *exit_code = Fail(e);
      return;
    }
    request.set_parent(f->parent);
    request.set_request_id(f->request_id);
    v1::DnaSample out;
    report("DnaSampleService.CreateDnaSample",
           stub()->CreateDnaSample(NewContext(options).get(), request, &out), out);
  });

  CLI::App* get = group->add_subcommand("get", "Show one sample");
  get->add_option("name", f->name, "e.g. remains/7/dnaSamples/1")->required();
  get->callback([=, &options] {
    v1::GetDnaSampleRequest request;
    request.set_name(f->name);
    v1::DnaSample out;
    report("DnaSampleService.GetDnaSample",
           stub()->GetDnaSample(NewContext(options).get(), request, &out), out);
  });

  CLI::App* list = group->add_subcommand("list", "A record's samples");
  list->add_option("parent", f->parent, "missingPersons/ID or remains/ID")->required();
  list->add_flag("--show-deleted", f->show_deleted, "Include soft-deleted samples");
  list->callback([=, &options] {
    v1::ListDnaSamplesRequest request;
    request.set_parent(f->parent);
    request.set_show_deleted(f->show_deleted);
    request.set_page_size(1000);
    v1::ListDnaSamplesResponse out;
    report("DnaSampleService.ListDnaSamples",
           stub()->ListDnaSamples(NewContext(options).get(), request, &out), out);
  });

  CLI::App* update = group->add_subcommand(
      "update", "Change the fields given, e.g. --status profiled as results arrive");
  update->add_option("name", f->name, "e.g. remains/7/dnaSamples/1")->required();
  AddValueFlags(update, f.get());
  update->add_option("--etag", f->etag, "Refuse if the sample changed since this etag");
  update->callback([=, &options] {
    v1::UpdateDnaSampleRequest request;
    if (std::string e =
            SampleFromFlags(*f, request.mutable_dna_sample(), request.mutable_update_mask());
        !e.empty()) {
      *exit_code = Fail(e);
      return;
    }
    request.mutable_dna_sample()->set_name(f->name);
    request.mutable_dna_sample()->set_etag(f->etag);
    v1::DnaSample out;
    report("DnaSampleService.UpdateDnaSample",
           stub()->UpdateDnaSample(NewContext(options).get(), request, &out), out);
  });

  CLI::App* remove = group->add_subcommand("delete", "Soft-delete a sample, with a reason");
  remove->add_option("name", f->name, "e.g. remains/7/dnaSamples/1")->required();
  remove->add_option("--reason", f->reason, "Why")->required();
  remove->add_option("--etag", f->etag, "Refuse if the sample changed since this etag");
  remove->callback([=, &options] {
    v1::DeleteDnaSampleRequest request;
    request.set_name(f->name);
    request.set_reason(f->reason);
    request.set_etag(f->etag);
    v1::DnaSample out;
    report("DnaSampleService.DeleteDnaSample",
           stub()->DeleteDnaSample(NewContext(options).get(), request, &out), out);
  });
}

}  // namespace encuentro::cli
