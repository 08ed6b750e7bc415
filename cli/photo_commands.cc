#include "cli/photo_commands.h"

#include <cstdio>
#include <fstream>
#include <memory>

#include "cli/output.h"
#include "cli/photo_upload.h"

namespace encuentro::cli {
namespace {

struct PhotoFlags {
  std::string depicts;
  std::string parent;
  std::string file;
  std::string name;
  std::string capture_date;
  double age = -1;
  std::string source;
  int face_index = -1;
  std::vector<int> face_box;
  std::string request_id;
  std::string progression_of;
  double target_age = -1;
  std::string method;
  std::string author;
  bool full = false;
  std::string output;
  std::string reason;
  bool show_deleted = false;
};

int Usage(const std::string& message) {
  std::fprintf(stderr, "encuentro: %s\n", message.c_str());
  return 2;
}

// A one-line account of a photo: its faces, their verdicts, and whether it has a template.
void PrintPhotoSummary(const v1::Photo& photo) {
  std::printf("%s  %s %dx%d  %d face(s)  %s\n", photo.name().c_str(), photo.content_type().c_str(),
              photo.width(), photo.height(), photo.faces_size(),
              photo.has_template()
                  ? ("template from face " + std::to_string(photo.chosen_face())).c_str()
                  : "no template");
  for (int i = 0; i < photo.faces_size(); ++i) {
    const v1::DetectedFace& face = photo.faces(i);
    std::printf("  face %d box [%d %d %d %d] %s:", i, face.box().x(), face.box().y(),
                face.box().width(), face.box().height(),
                v1::QualityCheck::Verdict_Name(face.overall()).c_str());
    for (const auto& q : face.quality()) {
      if (q.verdict() != v1::QualityCheck::PASS) {
        std::printf(" %s=%.1f(%s)", q.metric().c_str(), q.value(),
                    v1::QualityCheck::Verdict_Name(q.verdict()).c_str());
      }
    }
    std::printf("\n");
  }
}

}  // namespace

void AddPhotoCommands(CLI::App& app, const ClientOptions& options, int* exit_code) {
  auto flags = std::make_shared<PhotoFlags>();
  CLI::App* group = app.add_subcommand("photos", "Photos of missing persons and remains");
  group->require_subcommand(1);

  CLI::App* add = group->add_subcommand("add", "Upload a photo (or an age progression)");
  add->add_option("parent", flags->parent, "missingPersons/ID or remains/ID")->required();
  add->add_option("image", flags->file, "JPEG, PNG or WebP file")->required();
  add->add_option("--capture-date", flags->capture_date, "YYYY-MM-DD (or YYYY-MM, YYYY)");
  add->add_option("--depicts", flags->depicts,
                  "A mark or effect of the record the photo shows (e.g. remains/1/marks/2); "
                  "such a photo skips face analysis");
  add->add_option("--age", flags->age, "Age of the person in the photo, in years");
  add->add_option("--source", flags->source,
                  "family, id_document, social_media, post_mortem, official_record, other");
  add->add_option("--face-index", flags->face_index, "Which face to use when there are several");
  add->add_option("--face-box", flags->face_box, "x,y,w,h of the face to use")
      ->delimiter(',')
      ->expected(4);
  add->add_option("--request-id", flags->request_id, "Idempotency key for retries");
  add->add_option("--progression-of", flags->progression_of,
                  "Marks this image an age progression made from that photo");
  add->add_option("--target-age", flags->target_age, "The progression's target age");
  add->add_option("--method", flags->method, "forensic_artist or computed");
  add->add_option("--author", flags->author, "Who made the progression");
  add->callback([=, &options] {
    v1::AddPhotoRequest::Metadata metadata;
    metadata.set_parent(flags->parent);
    metadata.set_request_id(flags->request_id);
    v1::Photo* photo = metadata.mutable_photo();
    if (!flags->capture_date.empty() &&
        !ParseIsoDate(flags->capture_date, photo->mutable_capture_date())) {
      *exit_code = Usage("--capture-date must be YYYY-MM-DD");
      return;
    }
    photo->set_depicts(flags->depicts);
    if (flags->age >= 0) photo->set_age_at_capture_years(flags->age);
    if (!flags->source.empty()) {
      std::string upper = flags->source;
      for (char& c : upper) c = static_cast<char>(std::toupper(c));
      v1::Photo::Source source;
      if (!v1::Photo::Source_Parse(upper, &source)) {
        *exit_code = Usage("unknown --source " + flags->source);
        return;
      }
      photo->set_source(source);
    }
    if (flags->face_index >= 0) metadata.set_face_index(flags->face_index);
    if (flags->face_box.size() == 4) {
      v1::FaceBox* box = metadata.mutable_face_box();
      box->set_x(flags->face_box[0]);
      box->set_y(flags->face_box[1]);
      box->set_width(flags->face_box[2]);
      box->set_height(flags->face_box[3]);
    }
    if (!flags->progression_of.empty()) {
      v1::AgeProgression* p = photo->mutable_age_progression();
      p->set_source_photo(flags->progression_of);
      p->set_target_age_years(flags->target_age);
      p->set_author(flags->author);
      if (flags->method == "forensic_artist") p->set_method(v1::AgeProgression::FORENSIC_ARTIST);
      if (flags->method == "computed") p->set_method(v1::AgeProgression::COMPUTED);
    }
    absl::StatusOr<std::string> read = ReadPhotoFile(flags->file, kDefaultMaxPhotoBytes);
    if (!read.ok()) {
      *exit_code = Usage(std::string(read.status().message()));
      return;
    }
    const std::string& bytes = *read;
    auto stub = v1::PhotoService::NewStub(OpenChannel(options));
    v1::Photo stored;
    // A retry (the server was busy, or the deadline passed while it analysed) carries the same
    // request id, so it is handed the photo an earlier attempt stored rather than a second one.
    if (metadata.request_id().empty()) metadata.set_request_id("cli-" + RandomHex(16));
    grpc::Status status = CallWithRetries(
        [&] {
          return UploadPhoto(
              *stub,
              NewContext(options, UploadTimeout(options.timeout_seconds, bytes.size(), 1)).get(),
              metadata, bytes, &stored);
        },
        /*idempotent=*/true);
    if (!status.ok()) {
      *exit_code = ReportRpcError("PhotoService.AddPhoto", status);
      return;
    }
    if (options.json) {
      PrintMessage(stored, true);
    } else {
      PrintPhotoSummary(stored);
    }
  });

  CLI::App* get = group->add_subcommand("get", "Show a photo's metadata, faces and quality");
  get->add_option("name", flags->name, "missingPersons/ID/photos/ID")->required();
  get->add_flag("--full", flags->full, "Also fetch the bytes and the descriptor");
  get->add_option("--output", flags->output,
                  "Write the photo's bytes to this file (implies --full)");
  get->callback([=, &options] {
    v1::GetPhotoRequest request;
    request.set_name(flags->name);
    const bool full = flags->full || !flags->output.empty();
    request.set_view(full ? v1::FULL : v1::BASIC);
    auto stub = v1::PhotoService::NewStub(OpenChannel(options));
    v1::Photo photo;
    grpc::Status status = stub->GetPhoto(NewContext(options).get(), request, &photo);
    if (!status.ok()) {
      *exit_code = ReportRpcError("PhotoService.GetPhoto", status);
      return;
    }
    if (!flags->output.empty()) {
      std::ofstream(flags->output, std::ios::binary) << photo.content();
      photo.clear_content();
    }
    PrintMessage(photo, options.json);
  });

  CLI::App* list = group->add_subcommand("list", "List a record's photos");
  list->add_option("parent", flags->parent, "missingPersons/ID or remains/ID")->required();
  list->add_flag("--show-deleted", flags->show_deleted, "Include soft-deleted photos");
  list->callback([=, &options] {
    v1::ListPhotosRequest request;
    request.set_parent(flags->parent);
    request.set_show_deleted(flags->show_deleted);
    auto stub = v1::PhotoService::NewStub(OpenChannel(options));
    for (;;) {
      v1::ListPhotosResponse response;
      grpc::Status status = stub->ListPhotos(NewContext(options).get(), request, &response);
      if (!status.ok()) {
        *exit_code = ReportRpcError("PhotoService.ListPhotos", status);
        return;
      }
      for (const auto& photo : response.photos()) {
        if (options.json) {
          PrintMessage(photo, true);
        } else {
          PrintPhotoSummary(photo);
        }
      }
      if (response.next_page_token().empty()) break;
      request.set_page_token(response.next_page_token());
    }
  });

  CLI::App* remove = group->add_subcommand("delete", "Soft-delete a photo, with a reason");
  remove->add_option("name", flags->name, "missingPersons/ID/photos/ID")->required();
  remove->add_option("--reason", flags->reason, "Why the photo is withdrawn")->required();
  remove->callback([=, &options] {
    v1::DeletePhotoRequest request;
    request.set_name(flags->name);
    request.set_reason(flags->reason);
    auto stub = v1::PhotoService::NewStub(OpenChannel(options));
    v1::Photo photo;
    grpc::Status status = stub->DeletePhoto(NewContext(options).get(), request, &photo);
    if (!status.ok()) {
      *exit_code = ReportRpcError("PhotoService.DeletePhoto", status);
      return;
    }
    PrintMessage(photo, options.json);
  });
}

}  // namespace encuentro::cli
