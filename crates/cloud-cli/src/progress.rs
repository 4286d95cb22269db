//! Progress bars on stderr: one line per file in flight, with bytes, rate and ETA.

use std::io::{IsTerminal, Write};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle, TermLike};

/// The template of every bar.
const TEMPLATE: &str = "{msg:30!} {bytes:>10}/{total_bytes:<10} {binary_bytes_per_sec:>12} ETA {eta:>4} [{wide_bar}]";

/// Where the bars of one command go, or nowhere.
#[derive(Debug, Clone)]
pub(crate) struct Progress {
    multi: Option<MultiProgress>,
}

impl Progress {
    /// Bars on stderr when it is a terminal, unless `quiet`; always with `forced`.
    pub(crate) fn new(quiet: bool, forced: bool) -> Self {
        let terminal = std::io::stderr().is_terminal();
        let target = if quiet {
            None
        } else if terminal {
            Some(ProgressDrawTarget::stderr())
        } else if forced {
            // indicatif draws nothing on a non-terminal stderr; write the escapes anyway.
            Some(ProgressDrawTarget::term_like(Box::new(ForcedStderr)))
        } else {
            None
        };
        Self { multi: target.map(MultiProgress::with_draw_target) }
    }

    /// A bar for one transfer of `size` bytes (unknown: `None`), or a hidden one.
    pub(crate) fn bar(&self, name: &str, size: Option<u64>) -> ProgressBar {
        let Some(multi) = &self.multi else {
            return ProgressBar::hidden();
        };
        let bar = multi.add(ProgressBar::with_draw_target(size, ProgressDrawTarget::hidden()));
        if let Ok(style) = ProgressStyle::with_template(TEMPLATE) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(name.to_owned());
        bar
    }
}

/// stderr as a terminal of 100 columns, whatever it is.
#[derive(Debug)]
struct ForcedStderr;

impl ForcedStderr {
    fn write(s: &str) -> std::io::Result<()> {
        std::io::stderr().lock().write_all(s.as_bytes())
    }
}

impl TermLike for ForcedStderr {
    fn width(&self) -> u16 {
        100
    }

    fn move_cursor_up(&self, n: usize) -> std::io::Result<()> {
        if n > 0 { Self::write(&format!("\x1b[{n}A")) } else { Ok(()) }
    }

    fn move_cursor_down(&self, n: usize) -> std::io::Result<()> {
        if n > 0 { Self::write(&format!("\x1b[{n}B")) } else { Ok(()) }
    }

    fn move_cursor_right(&self, n: usize) -> std::io::Result<()> {
        if n > 0 { Self::write(&format!("\x1b[{n}C")) } else { Ok(()) }
    }

    fn move_cursor_left(&self, n: usize) -> std::io::Result<()> {
        if n > 0 { Self::write(&format!("\x1b[{n}D")) } else { Ok(()) }
    }

    fn write_line(&self, s: &str) -> std::io::Result<()> {
        Self::write(&format!("{s}\n"))
    }

    fn write_str(&self, s: &str) -> std::io::Result<()> {
        Self::write(s)
    }

    fn clear_line(&self) -> std::io::Result<()> {
        Self::write("\r\x1b[2K")
    }

    fn flush(&self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}
