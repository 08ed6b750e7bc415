#include "storage/embedded_cluster.h"

#include <sodium.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <pqxx/pqxx>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/logging.h"
#include "common/subprocess.h"
#include "common/text.h"

namespace encuentro::storage {
namespace fs = std::filesystem;

namespace {

constexpr int kPort = 5432;
// initdb writes about 40 MB; refuse early with a clear message rather than fail half-way.
constexpr uintmax_t kMinFreeBytesForInitdb = 64ull << 20;
// sun_path is 108 bytes including the terminating NUL.
constexpr size_t kMaxSocketPath = 107;

// As root, PostgreSQL runs as `user`, who must be able to pass through every parent of the
// data directory; say which one blocks it rather than let initdb fail obscurely.
absl::Status CheckTraversable(const fs::path& data_dir, const SystemUser& user) {
  for (fs::path p = data_dir.parent_path(); !p.empty(); p = p.parent_path()) {
    struct stat info {};
    if (stat(p.c_str(), &info) != 0) break;
    const bool passable = (info.st_mode & S_IXOTH) != 0 ||
                          (info.st_uid == user.uid && (info.st_mode & S_IXUSR) != 0) ||
                          (info.st_gid == user.gid && (info.st_mode & S_IXGRP) != 0);
    if (!passable) {
      return absl::PermissionDeniedError(absl::StrCat(
          "PostgreSQL runs as user '", user.name, "', who cannot reach ", data_dir.string(),
          " because ", p.string(), " is not traversable: run `chmod o+x ", p.string(),
          "` or choose a --data-dir elsewhere"));
    }
    if (p == p.root_path()) break;
  }
  return absl::OkStatus();
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

absl::Status WriteFile(const fs::path& path, const std::string& contents, fs::perms perms) {
  std::ofstream out(path, std::ios::trunc);
  out << contents;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path.string()));
  std::error_code ec;
  fs::permissions(path, perms, ec);
  return absl::OkStatus();
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(bytes * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()),
                 raw.size());
  hex.pop_back();
  return hex;
}

std::string QuoteConfigValue(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  return quoted + "'";
}

}  // namespace

absl::StatusOr<fs::path> FindPostgresBindir(const fs::path& configured) {
  if (!configured.empty()) {
    if (!fs::exists(configured / "initdb")) {
      return absl::NotFoundError(
          absl::StrCat("no initdb in PostgreSQL bin directory ", configured.string()));
    }
    return configured;
  }
  std::optional<fs::path> best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    const int version = std::atoi(name.c_str());
    if (version > best_version && fs::exists(entry.path() / "bin" / "initdb")) {
      best_version = version;
      best = entry.path() / "bin";
    }
  }
  if (!best) {
    return absl::NotFoundError(
        "PostgreSQL server binaries not found under /usr/lib/postgresql: install the 'postgresql' "
        "package (tools/install-deps.sh), or pass --database-url to use an existing server");
  }
  return *best;
}

std::string QuoteConnectionValue(const std::string& value) {
  std::string quoted = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "'";
}

struct EmbeddedCluster::Tools {
  fs::path bindir;
  // Set when we are root: PostgreSQL refuses to run as root, so it runs as this user.
  std::optional<SystemUser> run_as;

  absl::StatusOr<ProcessResult> Run(const std::string& tool, std::vector<std::string> args,
                                    bool new_session = false) const {
    ProcessOptions options;
    options.argv.push_back((bindir / tool).string());
    for (auto& arg : args) options.argv.push_back(std::move(arg));
    options.run_as = run_as;
    options.new_session = new_session;
    return RunProcess(options);
  }

  // Gives the unprivileged PostgreSQL user a directory we created.
  absl::Status HandOver(const fs::path& path) const {
    if (!run_as) return absl::OkStatus();
    if (chown(path.c_str(), run_as->uid, run_as->gid) != 0) {
      return absl::PermissionDeniedError(
          absl::StrCat("cannot give ", path.string(), " to user ", run_as->name));
    }
    return absl::OkStatus();
  }
};

EmbeddedCluster::EmbeddedCluster(EmbeddedClusterOptions options, std::unique_ptr<Tools> tools)
    : options_(std::move(options)),
      tools_(std::move(tools)),
      cluster_dir_(options_.data_dir / "postgresql") {}

EmbeddedCluster::~EmbeddedCluster() {
  if (running_) {
    absl::Status status = Stop();
    if (!status.ok()) spdlog::error("embedded PostgreSQL: {}", status.message());
  }
}

absl::StatusOr<std::unique_ptr<EmbeddedCluster>> EmbeddedCluster::Start(
    EmbeddedClusterOptions options) {
  if (sodium_init() < 0) return absl::InternalError("libsodium failed to initialize");
  std::error_code ec;
  options.data_dir = fs::absolute(options.data_dir, ec).lexically_normal();
  auto tools = std::make_unique<Tools>();
  absl::StatusOr<fs::path> bindir = FindPostgresBindir(options.pg_bindir);
  if (!bindir.ok()) return bindir.status();
  tools->bindir = *bindir;
  if (geteuid() == 0) {
    absl::StatusOr<SystemUser> postgres = LookupSystemUser("postgres");
    if (!postgres.ok()) {
      return absl::FailedPreconditionError(
          "running as root, and PostgreSQL refuses to run as root; the 'postgres' system user "
          "(created by the postgresql package) is missing");
    }
    tools->run_as = *postgres;
  }
  std::unique_ptr<EmbeddedCluster> cluster(new EmbeddedCluster(options, std::move(tools)));
  const std::string socket = (cluster->cluster_dir_ / ".s.PGSQL.5432").string();
  if (socket.size() > kMaxSocketPath) {
    return absl::InvalidArgumentError(absl::StrCat(
        "data directory path is too long for PostgreSQL's unix socket (", socket.size(),
        " bytes, the limit is ", kMaxSocketPath, "): choose a shorter --data-dir"));
  }
  fs::create_directories(options.data_dir, ec);
  if (ec) {
    return absl::PermissionDeniedError(absl::StrCat("cannot create data directory ",
                                                    options.data_dir.string(), ": ", ec.message()));
  }
  if (cluster->tools_->run_as) {
    if (absl::Status s = CheckTraversable(options.data_dir, *cluster->tools_->run_as); !s.ok()) {
      return s;
    }
    // The postgres user must be able to pass through the data directory to reach its cluster.
    fs::permissions(options.data_dir, fs::perms::others_exec | fs::perms::group_exec,
                    fs::perm_options::add, ec);
  }
  if (absl::Status s = cluster->InitIfNeeded(); !s.ok()) return s;
  if (absl::Status s = cluster->RecoverFromCrash(); !s.ok()) return s;
  if (absl::Status s = cluster->StartServer(); !s.ok()) return s;
  if (absl::Status s = cluster->CreateDatabaseIfNeeded(); !s.ok()) return s;
  return cluster;
}

absl::Status EmbeddedCluster::InitIfNeeded() {
  if (fs::exists(cluster_dir_ / "PG_VERSION")) {
    const std::string made_by(absl::StripAsciiWhitespace(ReadFile(cluster_dir_ / "PG_VERSION")));
    const std::string ours = tools_->bindir.parent_path().filename().string();
    if (made_by != ours) {
      return absl::FailedPreconditionError(absl::StrCat(
          "the cluster in ", cluster_dir_.string(), " was made by PostgreSQL ", made_by,
          " but the binaries found are version ", ours, "; upgrade it with pg_upgradecluster"));
    }
    return absl::OkStatus();
  }
  if (fs::exists(cluster_dir_) && !fs::is_empty(cluster_dir_)) {
    return absl::FailedPreconditionError(absl::StrCat(
        cluster_dir_.string(), " exists but holds no PostgreSQL cluster; move it away"));
  }

  struct statvfs disk {};
  if (statvfs(options_.data_dir.c_str(), &disk) == 0) {
    const uintmax_t free_bytes = static_cast<uintmax_t>(disk.f_bavail) * disk.f_frsize;
    if (free_bytes < kMinFreeBytesForInitdb) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "not enough free disk space in ", options_.data_dir.string(), " to create the database (",
          free_bytes >> 20, " MiB free, need ", kMinFreeBytesForInitdb >> 20, " MiB)"));
    }
  }

  // initdb into a scratch directory and rename, so a crash half-way never leaves a cluster that
  // looks complete.
  const fs::path scratch = options_.data_dir / "postgresql.initdb";
  const fs::path pwfile = options_.data_dir / "postgresql.initdb-password";
  std::error_code ec;
  fs::remove_all(scratch, ec);
  fs::create_directory(scratch, ec);
  if (ec) return absl::PermissionDeniedError(absl::StrCat("cannot create ", scratch.string()));
  fs::permissions(scratch, fs::perms::owner_all, ec);
  if (absl::Status s = tools_->HandOver(scratch); !s.ok()) return s;

  const std::string password = RandomHex(24);
  if (absl::Status s = WriteFile(pwfile, password + "\n", fs::perms::owner_read); !s.ok()) return s;
  if (absl::Status s = tools_->HandOver(pwfile); !s.ok()) return s;
  if (absl::Status s = WriteFile(options_.data_dir / "postgresql-superuser.password",
                                 password + "\n", fs::perms::owner_read);
      !s.ok()) {
    return s;
  }

  spdlog::info("embedded PostgreSQL: creating cluster in {}", cluster_dir_.string());
  absl::StatusOr<ProcessResult> initdb = tools_->Run(
      "initdb", {"--pgdata=" + scratch.string(), std::string("--username=") + kEmbeddedSuperuser,
                 "--pwfile=" + pwfile.string(), "--auth-local=trust", "--auth-host=scram-sha-256",
                 "--encoding=UTF8", "--no-locale", "--no-sync"});
  fs::remove(pwfile, ec);
  if (!initdb.ok() || initdb->exit_code != 0) {
    const std::string output =
        initdb.ok() ? initdb->output : std::string(initdb.status().message());
    fs::remove_all(scratch, ec);
    if (output.find("No space left on device") != std::string::npos) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "disk full while creating the database cluster in ", options_.data_dir.string()));
    }
    std::string hint;
    if (output.find("Permission denied") != std::string::npos && tools_->run_as) {
      hint = "; the 'postgres' user must be able to traverse every parent of the data directory";
    }
    return absl::InternalError(absl::StrCat("initdb failed: ", TailLines(output, 3), hint));
  }
  // initdb --no-sync is safe because we fsync the whole tree once here, before publishing it.
  if (absl::StatusOr<ProcessResult> sync =
          tools_->Run("initdb", {"--sync-only", "-D", scratch.string()});
      !sync.ok() || sync->exit_code != 0) {
    fs::remove_all(scratch, ec);
    return absl::InternalError("initdb --sync-only failed");
  }
  // Only the unix socket: no TCP port is ever opened. The socket directory is written per start.
  std::ofstream conf(scratch / "postgresql.conf", std::ios::app);
  conf << "\n# Managed by encuentrod: unix socket only, settings in encuentro.conf\n"
       << "listen_addresses = ''\n"
       << "include_if_exists = 'encuentro.conf'\n";
  conf.close();
  if (!conf) return absl::InternalError("cannot write postgresql.conf");
  fs::rename(scratch, cluster_dir_, ec);
  if (ec) return absl::InternalError(absl::StrCat("cannot publish cluster: ", ec.message()));
  return absl::OkStatus();
}

absl::Status EmbeddedCluster::RecoverFromCrash() {
  const fs::path pidfile = cluster_dir_ / "postmaster.pid";
  if (!fs::exists(pidfile)) return absl::OkStatus();
  std::istringstream lines(ReadFile(pidfile));
  std::string pid_line, dir_line;
  std::getline(lines, pid_line);
  std::getline(lines, dir_line);
  const int pid = std::atoi(pid_line.c_str());
  std::error_code ec;
  const fs::path exe = fs::read_symlink(fs::path("/proc") / std::to_string(pid) / "exe", ec);
  const bool is_our_postmaster =
      pid > 0 && !ec && exe.filename() == "postgres" && fs::path(dir_line) == cluster_dir_;
  if (is_our_postmaster) {
    // Our data-directory lock is held, so this postmaster was orphaned by an encuentrod that
    // died without stopping it. Restart it so it runs with this start's settings.
    spdlog::warn("embedded PostgreSQL: stopping postmaster {} left by a previous run", pid);
    absl::StatusOr<ProcessResult> stop =
        tools_->Run("pg_ctl", {"stop", "-D", cluster_dir_.string(), "-m", "fast", "-w", "-t",
                               std::to_string(options_.timeout_seconds)});
    if (!stop.ok() || stop->exit_code != 0) {
      return absl::InternalError(absl::StrCat(
          "cannot stop orphaned postmaster ", pid, ": ",
          stop.ok() ? TailLines(stop->output, 2) : std::string(stop.status().message())));
    }
    return absl::OkStatus();
  }
  spdlog::warn(
      "embedded PostgreSQL: removing stale pid file (pid {} is no postmaster of this cluster)",
      pid);
  fs::remove(pidfile, ec);
  return absl::OkStatus();
}

absl::Status EmbeddedCluster::StartServer() {
  const fs::path log_dir = options_.data_dir / "log";
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  if (absl::Status s = tools_->HandOver(log_dir); !s.ok()) return s;
  const fs::path log_file = log_dir / "postgresql.log";

  // Rewritten on every start so that a moved data directory keeps working.
  const fs::path settings = cluster_dir_ / "encuentro.conf";
  if (absl::Status s = WriteFile(
          settings,
          absl::StrCat("unix_socket_directories = ", QuoteConfigValue(cluster_dir_.string()), "\n",
                       "unix_socket_permissions = 0700\n", "port = ", kPort, "\n"),
          fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
              fs::perms::others_read);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = tools_->HandOver(settings); !s.ok()) return s;

  absl::StatusOr<ProcessResult> start =
      tools_->Run("pg_ctl",
                  {"start", "-D", cluster_dir_.string(), "-l", log_file.string(), "-w", "-t",
                   std::to_string(options_.timeout_seconds)},
                  /*new_session=*/true);
  if (!start.ok()) return start.status();
  if (start->exit_code != 0) {
    return absl::InternalError(
        absl::StrCat("PostgreSQL failed to start: ", TailLines(ReadFile(log_file), 3),
                     " (full log: ", log_file.string(), ")"));
  }
  running_ = true;
  spdlog::info("embedded PostgreSQL: running on unix socket in {}", cluster_dir_.string());
  return absl::OkStatus();
}

absl::Status EmbeddedCluster::CreateDatabaseIfNeeded() {
  try {
    pqxx::connection conn(absl::StrCat("host=", QuoteConnectionValue(cluster_dir_.string()),
                                       " port=", kPort,
                                       " dbname=postgres user=", kEmbeddedSuperuser));
    pqxx::nontransaction tx(conn);
    pqxx::result exists =
        tx.exec_params("SELECT 1 FROM pg_database WHERE datname = $1", options_.database);
    if (exists.empty()) {
      tx.exec0("CREATE DATABASE " + tx.quote_name(options_.database));
    }
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("cannot create database ", options_.database, ": ", OneLine(e.what())));
  }
  return absl::OkStatus();
}

absl::Status EmbeddedCluster::Stop() {
  if (!running_) return absl::OkStatus();
  absl::StatusOr<ProcessResult> stop =
      tools_->Run("pg_ctl", {"stop", "-D", cluster_dir_.string(), "-m", "fast", "-w", "-t",
                             std::to_string(options_.timeout_seconds)});
  if (!stop.ok()) return stop.status();
  if (stop->exit_code != 0) {
    return absl::InternalError(absl::StrCat("pg_ctl stop failed: ", TailLines(stop->output, 2)));
  }
  running_ = false;
  spdlog::info("embedded PostgreSQL: stopped");
  return absl::OkStatus();
}

std::string EmbeddedSuperuserConnection(const fs::path& data_dir, const std::string& database) {
  std::error_code ec;
  const fs::path cluster_dir = fs::absolute(data_dir, ec).lexically_normal() / "postgresql";
  return absl::StrCat("host=", QuoteConnectionValue(cluster_dir.string()), " port=", kPort,
                      " dbname=", QuoteConnectionValue(database),
                      " user=", QuoteConnectionValue(kEmbeddedSuperuser));
}

std::string EmbeddedCluster::SuperuserConnectionString() const {
  return ConnectionString(kEmbeddedSuperuser);
}

std::string EmbeddedCluster::ConnectionString(const std::string& role) const {
  return absl::StrCat("host=", QuoteConnectionValue(cluster_dir_.string()), " port=", kPort,
                      " dbname=", QuoteConnectionValue(options_.database),
                      " user=", QuoteConnectionValue(role));
}

}  // namespace encuentro::storage
