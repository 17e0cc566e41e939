//! A throwaway PostgreSQL server for tests: started once per test binary, on a free port of
//! 127.0.0.1, with its data and socket in a temporary directory, and stopped (its directory
//! removed) soon after the test process ends. Each test asks for a database of its own with
//! [`fresh_database_url`], so tests are isolated and can run in parallel.
//!
//! The server comes from the PostgreSQL installed on the machine: `initdb` and `postgres` from
//! the highest version under `/usr/lib/postgresql/*/bin`, else from `PATH`. PostgreSQL refuses
//! to run as root, so under root the directory is handed to the `postgres` user and the server
//! runs as that user. A small shell watchdog starts the server and stops it once the test
//! process is gone, however that process ends.
//!
//! Self-contained (std and `tempfile` only), so unit tests and integration tests can both
//! include it with `#[path]`.

use std::fs;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// The OS user PostgreSQL runs as when the tests run as root.
const SERVER_USER: &str = "postgres";

/// How long the server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// Ports tried before giving up (another process may take a free port before the server does).
const START_ATTEMPTS: usize = 5;

/// Starts the server with `$@`, then waits while both it and the test process (`$1`) live.
/// When the test process is gone, stops the server (fast shutdown) and removes the directory.
/// `kill -0` tells whether the test process lives; under root the watchdog runs as the server's
/// user, who may not signal root's processes, so `/proc` answers instead.
const WATCHDOG: &str = r#"
parent=$1; dir=$2; shift 2
"$@" >"$dir/postgres.log" 2>&1 &
server=$!
alive() { kill -0 "$parent" 2>/dev/null || [ -d "/proc/$parent" ]; }
while kill -0 "$server" 2>/dev/null && alive; do sleep 0.3; done
kill -INT "$server" 2>/dev/null
wait "$server"
if ! alive; then rm -rf "$dir"; fi
"#;

/// The running server.
struct Server {
    /// Its TCP port on 127.0.0.1.
    port: u16,
    /// `psql`, to create databases.
    psql: PathBuf,
}

static SERVER: OnceLock<Result<Server, String>> = OnceLock::new();
static DATABASES: AtomicU32 = AtomicU32::new(0);

/// The URL of a new, empty database on the test server (started on first use). Panics with
/// the reason when PostgreSQL cannot be started.
pub fn fresh_database_url() -> String {
    let server = match SERVER.get_or_init(start) {
        Ok(server) => server,
        Err(reason) => panic!(
            "cannot start PostgreSQL for the tests: {reason}\n(install PostgreSQL, e.g. \
             `apt-get install postgresql`, or run scripts/test.sh, which does)"
        ),
    };
    let name = format!(
        "wxgate_test_{}_{}",
        std::process::id(),
        DATABASES.fetch_add(1, Ordering::Relaxed)
    );
    if let Err(reason) = server.psql(&format!("CREATE DATABASE {name}")) {
        panic!("cannot create the test database {name}: {reason}");
    }
    format!("postgres://postgres@127.0.0.1:{}/{name}", server.port)
}

impl Server {
    /// Runs one SQL command as the `postgres` superuser on the `postgres` database.
    fn psql(&self, sql: &str) -> Result<(), String> {
        let output = Command::new(&self.psql)
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U"])
            .arg(SERVER_USER)
            .args(["-d", "postgres", "-p"])
            .arg(self.port.to_string())
            .args(["-c", sql])
            .env("PGCONNECT_TIMEOUT", "5")
            .env_remove("PGPASSWORD")
            .env_remove("PGSERVICE")
            .env_remove("PGOPTIONS")
            .stdin(Stdio::null())
            .output()
            .map_err(|err| format!("cannot run {}: {err}", self.psql.display()))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim().to_owned())
        }
    }
}

/// Finds the binaries, creates a cluster in a temporary directory and starts the server.
fn start() -> Result<Server, String> {
    let bin = bin_dir()?;
    let psql = tool(&bin, "psql");
    let as_root = is_root()?;
    let dir = tempfile::Builder::new()
        .prefix("wxgate-pg-")
        .tempdir()
        .map_err(|err| format!("cannot create a temporary directory: {err}"))?
        .keep();
    let started = start_in(&bin, &dir, as_root).map(|port| Server { port, psql });
    if started.is_err() {
        let _ = fs::remove_dir_all(&dir);
    }
    started
}

/// Creates the cluster in `dir/data` and starts the server under the watchdog; its port.
fn start_in(bin: &Path, dir: &Path, as_root: bool) -> Result<u16, String> {
    if as_root {
        run(Command::new("chown")
            .arg(format!("{SERVER_USER}:"))
            .arg(dir))?;
    }
    let data = dir.join("data");
    let initdb = bin.join("initdb");
    run(&mut as_server_user(
        as_root,
        dir,
        &initdb,
        &[
            "-D".as_ref(),
            data.as_os_str(),
            "-A".as_ref(),
            "trust".as_ref(),
            "-U".as_ref(),
            SERVER_USER.as_ref(),
            "-E".as_ref(),
            "UTF8".as_ref(),
            "--locale=C".as_ref(),
            "--no-sync".as_ref(),
        ],
    ))?;

    let mut last_failure = String::new();
    for _ in 0..START_ATTEMPTS {
        let port = free_port()?;
        let mut watchdog = spawn_server(bin, dir, &data, port, as_root)?;
        match wait_ready(&mut watchdog, bin, port) {
            Ok(()) => return Ok(port),
            Err(failure) => {
                let log = fs::read_to_string(dir.join("postgres.log")).unwrap_or_default();
                last_failure = format!("{failure}\n{}", log.trim());
                if !log.contains("could not bind") && !log.contains("already in use") {
                    break;
                }
            }
        }
    }
    Err(last_failure)
}

/// Starts `postgres` on `port` through [`WATCHDOG`], detached from the test's output.
fn spawn_server(
    bin: &Path,
    dir: &Path,
    data: &Path,
    port: u16,
    as_root: bool,
) -> Result<Child, String> {
    let postgres = bin.join("postgres");
    let port = port.to_string();
    let parent = std::process::id().to_string();
    let args: Vec<&std::ffi::OsStr> = vec![
        "-c".as_ref(),
        WATCHDOG.as_ref(),
        "watchdog".as_ref(),
        parent.as_ref(),
        dir.as_os_str(),
        postgres.as_os_str(),
        "-D".as_ref(),
        data.as_os_str(),
        "-k".as_ref(),
        dir.as_os_str(),
        "-h".as_ref(),
        "127.0.0.1".as_ref(),
        "-p".as_ref(),
        port.as_ref(),
        // Durability is not what these tests are about; speed is.
        "-F".as_ref(),
        "-c".as_ref(),
        "synchronous_commit=off".as_ref(),
        "-c".as_ref(),
        "full_page_writes=off".as_ref(),
        "-c".as_ref(),
        "max_connections=400".as_ref(),
    ];
    as_server_user(as_root, dir, Path::new("sh"), &args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|err| format!("cannot start the PostgreSQL watchdog: {err}"))
}

/// Waits until the server accepts connections, or fails if it stops first or takes too long.
fn wait_ready(watchdog: &mut Child, bin: &Path, port: u16) -> Result<(), String> {
    let isready = tool(bin, "pg_isready");
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = watchdog.try_wait() {
            return Err(format!("PostgreSQL stopped at start ({status}); its log:"));
        }
        let ready = Command::new(&isready)
            .args(["-q", "-h", "127.0.0.1", "-p"])
            .arg(port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if ready {
            return Ok(());
        }
        if started.elapsed() > START_TIMEOUT {
            return Err(format!(
                "PostgreSQL did not accept connections within {START_TIMEOUT:?}; its log:"
            ));
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// `program args` as the server's user: as is, or under root through `runuser` (or `su`).
fn as_server_user(as_root: bool, dir: &Path, program: &Path, args: &[&std::ffi::OsStr]) -> Command {
    let mut command = if !as_root {
        let mut command = Command::new(program);
        command.args(args);
        command
    } else if find_in_path("runuser").is_some() {
        let mut command = Command::new("runuser");
        command
            .args(["-u", SERVER_USER, "--"])
            .arg(program)
            .args(args);
        command
    } else {
        let line: Vec<String> = std::iter::once(program.as_os_str())
            .chain(args.iter().copied())
            .map(|arg| shell_quote(&arg.to_string_lossy()))
            .collect();
        let mut command = Command::new("su");
        command
            .args([SERVER_USER, "-s", "/bin/sh", "-c"])
            .arg(line.join(" "));
        command
    };
    // A directory the server's user can enter (the test's may not be).
    command.current_dir(dir);
    command
}

/// Runs `command` to completion; its stderr on failure.
fn run(command: &mut Command) -> Result<(), String> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|err| format!("cannot run {:?}: {err}", command.get_program()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{:?} failed ({}): {}",
            command.get_program(),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ))
    }
}

/// The directory of `initdb` and `postgres`: the highest version under
/// `/usr/lib/postgresql/*/bin`, else the one `initdb` is found in on `PATH`.
fn bin_dir() -> Result<PathBuf, String> {
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            (bin.join("initdb").is_file() && bin.join("postgres").is_file())
                .then_some((version, bin))
        })
        .collect();
    versions.sort();
    if let Some((_, bin)) = versions.pop() {
        return Ok(bin);
    }
    find_in_path("initdb")
        .and_then(|initdb| initdb.parent().map(Path::to_path_buf))
        .filter(|bin| bin.join("postgres").is_file())
        .ok_or_else(|| {
            "no PostgreSQL server found (no initdb and postgres under /usr/lib/postgresql/*/bin \
             or on PATH)"
                .to_owned()
        })
}

/// A client program next to the server, else the one on `PATH`.
fn tool(bin: &Path, program: &str) -> PathBuf {
    let beside = bin.join(program);
    if beside.is_file() {
        beside
    } else {
        PathBuf::from(program)
    }
}

/// `program` on `PATH`, if it is there.
fn find_in_path(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Whether the tests run as root (`id -u` is 0).
fn is_root() -> Result<bool, String> {
    let output = Command::new("id")
        .arg("-u")
        .output()
        .map_err(|err| format!("cannot run `id -u`: {err}"))?;
    Ok(String::from_utf8_lossy(&output.stdout).trim() == "0")
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .map_err(|err| format!("cannot find a free port on 127.0.0.1: {err}"))?;
    listener
        .local_addr()
        .map(|addr| addr.port())
        .map_err(|err| format!("cannot find a free port on 127.0.0.1: {err}"))
}

/// `text` as one word for `sh`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
