//! The image under test: built once per test run by `image/build` from this
//! test build's own `pandian` binary, then shared by every scenario (each
//! boots a copy-on-write overlay of it). Also seeds (ISO 9660 or FAT) and a
//! deliberately broken update bundle.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::Instant;

/// A built image.
pub struct Image {
    /// image/build's output directory.
    pub out: PathBuf,
    /// The version string the image carries.
    pub version: String,
    /// The kernel version in its root.
    pub kernel: String,
}

impl Image {
    /// The qcow2 disk.
    pub fn qcow2(&self) -> PathBuf {
        self.out.join("pandian.qcow2")
    }

    /// The update bundle image/build made.
    pub fn bundle(&self) -> PathBuf {
        self.out
            .join(format!("pandian-{}-update.tar", self.version))
    }
}

/// Why the image tests do not run: `None` means they run. They skip only
/// when QEMU is missing and `PANDIAN_REQUIRE_IMAGE` is unset; everything
/// else that is missing is a failure.
pub fn skip_reason() -> Option<String> {
    let required = std::env::var("PANDIAN_REQUIRE_IMAGE").is_ok_and(|v| v == "1");
    if which("qemu-system-x86_64").is_none() {
        assert!(
            !required,
            "PANDIAN_REQUIRE_IMAGE=1 but qemu-system-x86_64 is missing; run scripts/setup-debian"
        );
        return Some(
            "qemu-system-x86_64 is not installed (scripts/setup-debian installs it; \
             PANDIAN_REQUIRE_IMAGE=1 makes this a failure)"
                .into(),
        );
    }
    assert!(
        pandian::lab::is_root(),
        "the image test needs root (mmdebstrap builds the root as root); run the tests as root"
    );
    for (tool, package) in [
        ("mmdebstrap", "mmdebstrap"),
        ("mksquashfs", "squashfs-tools"),
        ("unsquashfs", "squashfs-tools"),
        ("grub-mkimage", "grub-common"),
        ("mkfs.vfat", "dosfstools"),
        ("mcopy", "mtools"),
        ("xorriso", "xorriso"),
        ("sfdisk", "fdisk"),
        ("qemu-img", "qemu-utils"),
    ] {
        assert!(
            which(tool).is_some(),
            "`{tool}` is missing (apt-get install {package}; scripts/setup-debian has it)"
        );
    }
    for f in [
        "/usr/share/OVMF/OVMF_CODE_4M.fd",
        "/usr/lib/grub/i386-pc/boot.img",
        "/usr/lib/grub/x86_64-efi/linux.mod",
    ] {
        assert!(
            Path::new(f).exists(),
            "{f} is missing (scripts/setup-debian installs ovmf, grub-pc-bin, grub-efi-amd64-bin)"
        );
    }
    None
}

/// Find a program on PATH or in the sbin directories.
pub fn which(prog: &str) -> Option<PathBuf> {
    pandian::lab::which(prog)
}

/// Where this test run keeps its images, seeds and VM files.
pub fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("image-test")
}

/// Build the image once for the whole test binary (or, when iterating on
/// the tests themselves, use the image/build output named by
/// `PANDIAN_IMAGE_OUT` as it is).
pub fn image() -> &'static Image {
    static IMAGE: OnceLock<Image> = OnceLock::new();
    IMAGE.get_or_init(|| {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        if let Some(out) = std::env::var_os("PANDIAN_IMAGE_OUT") {
            eprintln!("image: using the image in {out:?} (PANDIAN_IMAGE_OUT), not building one");
            return read_image(PathBuf::from(out));
        }
        let out = work_dir().join("out");
        // An image built earlier from the same inputs (image/, this binary,
        // the commit time) is used again: the full test after the README's
        // test command does not build it twice.
        let inputs = run(Command::new(repo.join("image/build"))
            .arg("--binary")
            .arg(env!("CARGO_BIN_EXE_pandian"))
            .arg("--print-inputs"));
        let built = std::fs::read_to_string(out.join("manifest.txt")).unwrap_or_default();
        let same = built
            .lines()
            .find_map(|l| l.strip_prefix("inputs_sha256: "))
            .is_some_and(|h| h.split_whitespace().next() == Some(inputs.trim()));
        if same && out.join("SHA256SUMS").exists() {
            let image = read_image(out);
            eprintln!(
                "image: reusing {} in {:?}, built from the same inputs ({})",
                image.version,
                image.out,
                inputs.trim()
            );
            return image;
        }
        let start = Instant::now();
        let status = Command::new(repo.join("image/build"))
            .arg("--binary")
            .arg(env!("CARGO_BIN_EXE_pandian"))
            .arg("--out")
            .arg(&out)
            .arg("--cache")
            .arg(work_dir().join("debs"))
            .status()
            .expect("run image/build");
        assert!(
            status.success(),
            "image/build failed ({status}); its output is above"
        );
        let build_secs = start.elapsed().as_secs();
        let image = read_image(out);
        eprintln!(
            "image: built {} in {build_secs} s; sizes: {}",
            image.version,
            sizes(&image.out)
        );
        image
    })
}

fn read_image(out: PathBuf) -> Image {
    let manifest = std::fs::read_to_string(out.join("manifest.txt")).expect("manifest.txt");
    let field = |k: &str| {
        manifest
            .lines()
            .find_map(|l| l.strip_prefix(k))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("manifest.txt has no `{k}`"))
    };
    Image {
        version: field("version:"),
        kernel: field("kernel:"),
        out,
    }
}

fn sizes(out: &Path) -> String {
    let mut parts = Vec::new();
    for f in [
        "pandian.qcow2",
        "pandian.ova",
        "pandian.vhdx",
        "pandian.raw",
        "root.squashfs",
    ] {
        if let Ok(m) = std::fs::metadata(out.join(f)) {
            parts.push(format!("{f} {:.1} MB", m.len() as f64 / 1e6));
        }
    }
    parts.join(", ")
}

/// QEMU boots one at a time (TCG is CPU-bound; two at once on two cores
/// would only make both slower and the timings meaningless).
pub fn qemu_slot() -> MutexGuard<'static, ()> {
    static SLOT: Mutex<()> = Mutex::new(());
    SLOT.lock().unwrap_or_else(|e| e.into_inner())
}

/// A copy-on-write disk over the built qcow2, `size` virtual bytes (larger
/// than the image: the data partition grows into it).
pub fn overlay(image: &Image, dir: &Path, name: &str, size: &str) -> PathBuf {
    let disk = dir.join(format!("{name}.qcow2"));
    let _ = std::fs::remove_file(&disk);
    run(Command::new("qemu-img")
        .args(["create", "-q", "-f", "qcow2", "-F", "qcow2", "-b"])
        .arg(image.qcow2())
        .arg(&disk)
        .arg(size));
    disk
}

/// A seed ISO (volume id `label`, e.g. `cidata`) holding `files`.
pub fn seed_iso(dir: &Path, name: &str, label: &str, files: &[(&str, &Path)]) -> PathBuf {
    let tree = dir.join(format!("{name}.tree"));
    let _ = std::fs::remove_dir_all(&tree);
    std::fs::create_dir_all(&tree).expect("seed dir");
    for (dest, src) in files {
        std::fs::copy(src, tree.join(dest)).expect("copy into seed");
    }
    let iso = dir.join(format!("{name}.iso"));
    run(Command::new("xorriso")
        .args([
            "-as",
            "mkisofs",
            "-quiet",
            "-iso-level",
            "3",
            "-J",
            "-r",
            "-V",
            label,
            "-o",
        ])
        .arg(&iso)
        .arg(&tree));
    iso
}

/// A seed FAT volume labelled `label` (e.g. `PANDIAN`) holding `files`.
pub fn seed_fat(dir: &Path, name: &str, label: &str, files: &[(&str, &Path)]) -> PathBuf {
    let img = dir.join(format!("{name}.fat"));
    let _ = std::fs::remove_file(&img);
    let bytes: u64 = files
        .iter()
        .map(|(_, src)| std::fs::metadata(src).map_or(0, |m| m.len()))
        .sum();
    let mib = bytes / (1 << 20) + 16;
    run(Command::new("truncate").arg(format!("-s{mib}M")).arg(&img));
    run(Command::new("mkfs.vfat").args(["-n", label]).arg(&img));
    for (dest, src) in files {
        run(Command::new("mcopy")
            .env("MTOOLS_SKIP_CHECK", "1")
            .arg("-i")
            .arg(&img)
            .arg(src)
            .arg(format!("::/{dest}")));
    }
    img
}

/// An update bundle whose root boots but whose `pandian` exits at once: the
/// page never comes up, so the appliance must fall back.
pub fn broken_bundle(image: &Image, dir: &Path) -> PathBuf {
    let tree = dir.join("broken-root");
    let _ = std::fs::remove_dir_all(&tree);
    run(Command::new("unsquashfs")
        .args(["-quiet", "-no-progress", "-d"])
        .arg(&tree)
        .arg(image.out.join("root.squashfs")));
    std::fs::write(
        tree.join("usr/bin/pandian"),
        "#!/bin/sh\necho 'pandian: this build is broken on purpose (update fallback test)' >&2\nexit 1\n",
    )
    .expect("replace pandian");
    let squash = dir.join("broken.squashfs");
    let _ = std::fs::remove_file(&squash);
    run(Command::new("mksquashfs").arg(&tree).arg(&squash).args([
        "-noappend",
        "-quiet",
        "-no-progress",
        "-comp",
        "gzip",
        // Its size does not matter (it only has to fail): the fastest level.
        "-Xcompression-level",
        "1",
    ]));
    let _ = std::fs::remove_dir_all(&tree);
    let bundle = dir.join("pandian-0.0.0-broken-update.tar");
    run(
        Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join("image/make-bundle"))
            .arg(&squash)
            .arg("0.0.0-broken")
            .arg(&image.kernel)
            .arg(&bundle),
    );
    bundle
}

/// Run a command; panic with its output when it fails.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}
