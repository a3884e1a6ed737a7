//! The hook-tool server: a thread answering the hook tools' requests on a Unix socket against
//! the running context, one request at a time (Juju's jujuc design). [`ToolServer`] owns the
//! socket and the thread: dropping it (or [`ToolServer::finish`]) stops the thread, joins it and
//! removes the socket, so no path out of the agent leaves either behind.

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use serde::{Deserialize, Serialize};

use super::Context;
use crate::error::{Result, run_error};
use crate::state;

/// A hook tool's call, as the tool (this binary under the tool's name) sends it: one JSON line.
#[derive(Debug, Serialize, Deserialize)]
pub struct ToolRequest {
    pub context_id: String,
    pub tool: String,
    pub args: Vec<String>,
    /// What the tool read for `--file` (the tools that take one read it in their own process,
    /// relative to its working directory, or stdin for `-`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileArg>,
    /// What the tool read for the `key#file=path` arguments of `secret-add` and `secret-set`,
    /// by path.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub files: std::collections::BTreeMap<String, FileArg>,
}

/// The content of a tool's `--file`, or why it could not be read (reported as Juju reports a
/// file it cannot open, after the arguments are checked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum FileArg {
    Content(String),
    Error(String),
    /// Bytes that need not be text (a secret's file value), base64-encoded.
    Base64(String),
}

/// The agent's answer: what the tool prints and its exit code, one JSON line.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct ToolResponse {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The running tool server of one hook, action or exec.
#[derive(Debug)]
pub struct ToolServer {
    socket: PathBuf,
    context: Arc<Mutex<Context>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl ToolServer {
    /// Listens on a fresh socket in the temporary directory and serves requests carrying
    /// `context_id` against `context` until stopped.
    pub fn start(context: Context, context_id: String) -> Result<ToolServer> {
        let socket = std::env::temp_dir().join(format!(
            "juju-local-{}-{}.sock",
            std::process::id(),
            state::unique_hex(8)
        ));
        let _ = std::fs::remove_file(&socket);
        let listener = UnixListener::bind(&socket)
            .map_err(|e| run_error(format!("cannot listen on {}: {e}", socket.display())))?;
        let context = Arc::new(Mutex::new(context));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let context = Arc::clone(&context);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || serve(&listener, &context, &stop, &context_id))
        };
        Ok(ToolServer {
            socket,
            context,
            stop,
            thread: Some(thread),
        })
    }

    /// The socket the hook tools connect to (`JUJU_AGENT_SOCKET_ADDRESS`).
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// Stops the server and returns the context as the tools left it.
    pub fn finish(mut self) -> Result<Context> {
        self.shut_down();
        let context = Arc::clone(&self.context);
        drop(self);
        match Arc::try_unwrap(context) {
            Ok(mutex) => Ok(mutex.into_inner().unwrap_or_else(PoisonError::into_inner)),
            Err(_) => Err(run_error("internal error: the tool server did not stop")),
        }
    }

    /// Stops the thread (a connection wakes its `accept`), joins it and removes the socket;
    /// does nothing the second time.
    fn shut_down(&mut self) {
        let Some(thread) = self.thread.take() else {
            return;
        };
        self.stop.store(true, Ordering::SeqCst);
        let _ = UnixStream::connect(&self.socket);
        let _ = thread.join();
        let _ = std::fs::remove_file(&self.socket);
    }
}

impl Drop for ToolServer {
    fn drop(&mut self) {
        self.shut_down();
    }
}

/// Serves hook-tool requests until `stop` is set (and a connection wakes the accept).
fn serve(listener: &UnixListener, shared: &Mutex<Context>, stop: &AtomicBool, context_id: &str) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let _ = handle(stream, shared, context_id);
    }
}

/// Answers one request: a call from another context is refused, a call from this one counted
/// and executed against the context.
fn handle(stream: UnixStream, shared: &Mutex<Context>, context_id: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let response = match serde_json::from_str::<ToolRequest>(&line) {
        Ok(request) if request.context_id != context_id => ToolResponse {
            code: 1,
            stderr: format!(
                "ERROR expected context id {context_id:?}, got {:?}\n",
                request.context_id
            ),
            ..ToolResponse::default()
        },
        Ok(request) => {
            let mut context = shared.lock().unwrap_or_else(PoisonError::into_inner);
            context.tool_calls += 1;
            crate::tools::execute(
                &mut context,
                &request.tool,
                &request.args,
                request.file.as_ref(),
                &request.files,
            )
        }
        Err(e) => ToolResponse {
            code: 1,
            stderr: format!("ERROR bad request: {e}\n"),
            ..ToolResponse::default()
        },
    };
    let mut stream = stream;
    let text = serde_json::to_string(&response).unwrap_or_default();
    stream.write_all(text.as_bytes())?;
    stream.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::agent::Kind;

    #[test]
    fn dropping_the_server_removes_its_socket_and_finish_returns_the_context() -> Result<()> {
        let server = ToolServer::start(
            Context::for_test(Kind::Hook(crate::agent::HookInfo::plain("start"))),
            "c".into(),
        )?;
        let socket = server.socket().to_owned();
        assert!(socket.exists());
        drop(server);
        assert!(!socket.exists());

        let server = ToolServer::start(
            Context::for_test(Kind::Hook(crate::agent::HookInfo::plain("start"))),
            "c".into(),
        )?;
        let socket = server.socket().to_owned();
        let mut stream = UnixStream::connect(&socket)?;
        stream.write_all(b"{\"context_id\":\"other\",\"tool\":\"is-leader\",\"args\":[]}\n")?;
        let mut line = String::new();
        BufReader::new(stream).read_line(&mut line)?;
        assert!(line.contains("expected context id"), "{line}");
        let context = server.finish()?;
        assert_eq!(context.tool_calls, 0);
        assert!(!socket.exists());
        Ok(())
    }
}
