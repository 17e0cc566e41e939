//! `wxgate simulate`: plays WeChat against a running gateway. It builds one push the way WeChat
//! does, signs and (for compatible and safe accounts) encrypts it, sends it, checks the reply's
//! signature, decrypts it and prints it.

use std::fmt::Write as _;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Args;
use wxgate::Config;
use wxgate::handlers::{Fields, Value};

use super::{callback_url, parse_duration};
use wxgate::internals::clock::unix_secs;
use wxgate::internals::simulate::{Envelope, Kind, Opened, Sender};

/// `wxgate simulate`'s options.
#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The account to push to, by name; the config's first account when omitted.
    #[arg(long, global = true)]
    account: Option<String>,
    /// The callback URL; by default http://{server.listen}/wx/{account}.
    #[arg(long, global = true, value_name = "URL")]
    url: Option<String>,
    /// FromUserName: the openid of the simulated user.
    #[arg(long, global = true, default_value = "o_simulated_user")]
    from: String,
    /// ToUserName: the account's original id (gh_...); the account's appid when omitted.
    #[arg(long, global = true)]
    to: Option<String>,
    /// MsgId of a message; a fresh one when omitted. Send one twice to see a retry deduplicated.
    #[arg(long, global = true)]
    msg_id: Option<u64>,
    /// Print the reply body exactly as it came over the wire (it is still verified).
    #[arg(long, global = true)]
    raw: bool,
    /// Also print the request: URL and body.
    #[arg(long, short, global = true)]
    verbose: bool,
    /// Accept any TLS certificate for an https `--url` (a staging gateway's self-signed one):
    /// the connection is still encrypted, but not authenticated.
    #[arg(long, global = true)]
    insecure: bool,
    /// How long to wait for the answer (e.g. 10s, 500ms).
    #[arg(long, global = true, default_value = "10s", value_parser = parse_duration)]
    timeout: Duration,
    /// What to push.
    #[command(subcommand)]
    kind: Kind,
}

/// Runs `simulate` and returns the exit code: 0 for a verified 200, 1 for anything else, 2 for
/// a config problem.
pub fn run(config: &Config, args: &SimulateArgs) -> ExitCode {
    let account = match &args.account {
        Some(name) => config.account(name),
        None => config.accounts.first(),
    };
    let Some(account) = account else {
        let names: Vec<&str> = config.accounts.iter().map(|a| a.name.as_str()).collect();
        eprintln!(
            "wxgate simulate: no account {:?} in the config (accounts: {})",
            args.account.as_deref().unwrap_or_default(),
            names.join(", ")
        );
        return ExitCode::from(2);
    };
    let sender = Sender::new(account);
    let url = args
        .url
        .clone()
        .unwrap_or_else(|| callback_url(config.server.listen, &account.name));
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("wxgate simulate: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(exchange(&sender, &url, args)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("wxgate simulate: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Why `url` could not be reached, with every cause (a certificate WeChat's servers would
/// refuse too, a refused connection, ...) and what to try for a certificate problem.
fn unreachable(url: &str, error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut message = format!("cannot reach {}: {}", strip_query(url), causes(&error));
    if message.contains("certificate") {
        message.push_str(
            "\n  (a self-signed or staging certificate? --insecure skips the check for this \
             tool; WeChat's servers will not)",
        );
    }
    message
}

/// An error and each of its sources, joined with `: `.
fn causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let shown = cause.to_string();
        if !text.contains(&shown) {
            text.push_str(": ");
            text.push_str(&shown);
        }
        source = cause.source();
    }
    text
}

/// Sends the push (or handshake) and prints what came back.
async fn exchange(sender: &Sender, url: &str, args: &SimulateArgs) -> Result<ExitCode, String> {
    let client = reqwest::Client::builder()
        .timeout(args.timeout)
        .danger_accept_invalid_certs(args.insecure)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", causes(&e)))?;
    let now = unix_secs();
    let nonce = wxgate::internals::crypto::nonce();
    let separator = if url.contains('?') { '&' } else { '?' };
    let to = args.to.as_deref().unwrap_or(&sender.appid);
    let env = Envelope {
        to,
        from: &args.from,
        create_time: now,
        msg_id: args.msg_id.unwrap_or_else(fresh_msg_id),
    };
    let Some(push) = args.kind.xml(env) else {
        let Kind::Handshake { echostr } = &args.kind else {
            return Err("nothing to send".to_owned());
        };
        let full = format!(
            "{url}{separator}{}",
            sender.handshake_query(now, &nonce, echostr)
        );
        if args.verbose && !args.raw {
            println!("GET {full}");
        }
        let started = Instant::now();
        let response = client
            .get(&full)
            .send()
            .await
            .map_err(|e| unreachable(url, e))?;
        return finish_handshake(response, started, echostr, args.raw).await;
    };
    let signed = sender.sign(&push, &args.from, now, &nonce);
    let full = format!("{url}{separator}{}", signed.query);
    if !args.raw {
        let how = if signed.encrypted {
            "encrypted and signed"
        } else {
            "signed"
        };
        println!(
            "-> POST {url} ({} mode: {how})",
            sender.mode.as_str(),
            url = strip_query(url)
        );
        let msg_id = match &args.kind {
            Kind::Event(_) => String::new(),
            _ => format!(", MsgId {}", env.msg_id),
        };
        println!("   {} from {}{msg_id}", args.kind.describe(), args.from);
        if args.verbose {
            println!("   URL: {full}");
            println!("   body: {}", signed.body);
        }
    }
    let started = Instant::now();
    let response = client
        .post(&full)
        .header("content-type", "text/xml")
        .body(signed.body)
        .send()
        .await
        .map_err(|e| unreachable(url, e))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .map_err(|e| format!("reading the answer: {}", causes(&e.without_url())))?;
    let took = started.elapsed();
    if args.raw {
        use std::io::Write as _;
        let mut stdout = std::io::stdout();
        let _ = stdout.write_all(&body);
        let _ = stdout.flush();
    }
    if !status.is_success() {
        if !args.raw {
            println!("<- {status} in {}", millis(took));
            println!("{}", indent(&String::from_utf8_lossy(&body)));
        }
        eprintln!("wxgate simulate: the gateway answered {status}");
        return Ok(ExitCode::FAILURE);
    }
    let opened = sender
        .open_reply(&body, signed.encrypted)
        .map_err(|e| format!("{status} but {e}"))?;
    if args.raw {
        return Ok(ExitCode::SUCCESS);
    }
    match opened {
        Opened::Success => println!("<- {status} in {}: success (no reply)", millis(took)),
        Opened::Reply {
            xml,
            fields,
            verified,
        } => {
            let how = if verified {
                ", MsgSignature verified, decrypted"
            } else {
                ""
            };
            println!("<- {status} in {}: reply{how}", millis(took));
            print!("{}", render_fields(&fields, 1));
            if args.verbose {
                println!("   XML: {xml}");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn finish_handshake(
    response: reqwest::Response,
    started: Instant,
    echostr: &str,
    raw: bool,
) -> Result<ExitCode, String> {
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|e| format!("reading the answer: {}", causes(&e.without_url())))?;
    let took = started.elapsed();
    if raw {
        print!("{body}");
    } else {
        println!("<- {status} in {}", millis(took));
    }
    if !status.is_success() {
        if !raw {
            println!("{}", indent(&body));
        }
        eprintln!("wxgate simulate: the gateway answered {status}");
        return Ok(ExitCode::FAILURE);
    }
    if body != echostr {
        eprintln!("wxgate simulate: the gateway echoed {body:?}, not {echostr:?}");
        return Ok(ExitCode::FAILURE);
    }
    if !raw {
        println!("   handshake ok: echostr {echostr:?} echoed");
    }
    Ok(ExitCode::SUCCESS)
}

/// `Name: value` lines, nested fields indented under their parent.
fn render_fields(fields: &Fields, depth: usize) -> String {
    let mut out = String::new();
    let pad = "   ".repeat(depth);
    for (name, value) in fields.iter() {
        match value {
            Value::Text(text) => {
                let _ = writeln!(out, "{pad}{name}: {text}");
            }
            Value::Node(children) => {
                let _ = writeln!(out, "{pad}{name}:");
                out.push_str(&render_fields(children, depth + 1));
            }
        }
    }
    out
}

fn indent(text: &str) -> String {
    text.lines()
        .map(|line| format!("   {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn millis(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn strip_query(url: &str) -> &str {
    url.split('?').next().unwrap_or(url)
}

/// A MsgId no earlier run used: microseconds since the epoch.
fn fresh_msg_id() -> u64 {
    wxgate::internals::clock::unix_micros()
}

#[cfg(test)]
#[path = "simulate_test.rs"]
mod tests;
