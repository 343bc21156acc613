//! One QEMU virtual machine (TCG) booting an appliance disk: its serial
//! console in a file the test reads, its HMP monitor on a Unix socket (for
//! the ACPI power button), user networking with `restrict=on` (no way out)
//! and host forwards to its ports 443 and 80. Dropping it kills QEMU.

use std::io::Write;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Console lines that mean the boot failed (waiting on is pointless).
const FATAL: [&str; 4] = [
    "Gave up waiting for root file system",
    "Kernel panic",
    "error: no such partition",
    "error: unknown filesystem",
];

/// Firmware.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Firmware {
    /// SeaBIOS on the i440FX machine.
    Bios,
    /// OVMF on the Q35 machine.
    Uefi,
}

/// How the disk is attached (each needs a different kernel driver).
#[derive(Clone, Copy, Debug)]
pub enum DiskBus {
    /// virtio-blk (KVM, Proxmox).
    Virtio,
    /// SATA AHCI (VirtualBox, VMware SATA).
    Ahci,
    /// LSI 53C895A SCSI (QEMU's LSI; the image also has VMware's LSI Logic
    /// drivers, which QEMU cannot exercise: its SAS 1068 finds no disks
    /// under Linux 6.1 here).
    Lsi,
}

/// The first network card's model.
#[derive(Clone, Copy, Debug)]
pub enum Nic {
    /// virtio-net.
    Virtio,
    /// Intel 82540EM (VirtualBox, VMware).
    E1000,
    /// Intel 82574L (VMware's e1000e).
    E1000e,
}

/// A second NIC on a tap device that lives in a lab namespace; QEMU then
/// runs inside that namespace.
#[derive(Clone, Debug)]
pub struct LabNic {
    /// The namespace holding the tap (the lab's switch).
    pub netns: String,
    /// The tap's name there.
    pub tap: String,
    /// The NIC's MAC (the seed's network.conf matches it).
    pub mac: String,
}

/// What to boot.
#[derive(Clone, Debug)]
pub struct VmSpec {
    /// A short name for files and messages.
    pub name: String,
    /// qcow2 disk.
    pub disk: PathBuf,
    /// Firmware.
    pub firmware: Firmware,
    /// Disk controller.
    pub bus: DiskBus,
    /// First NIC model.
    pub nic: Nic,
    /// A seed: an ISO image (CD-ROM) or a FAT image (second disk).
    pub seed: Option<PathBuf>,
    /// A lab NIC.
    pub lab: Option<LabNic>,
}

/// A running VM.
pub struct Vm {
    child: Child,
    /// Its serial console log.
    pub serial: PathBuf,
    monitor: PathBuf,
    /// Host port forwarded to the guest's 443.
    pub https: u16,
    /// Host port forwarded to the guest's 80.
    pub http: u16,
    /// The namespace QEMU (and its forwards) live in, if any.
    pub netns: Option<String>,
    /// When QEMU was started.
    pub started: Instant,
    /// The scenario's name (its files in the work directory start with it).
    pub name: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl Vm {
    /// Start QEMU; `dir` receives the serial log, the monitor socket and
    /// (for UEFI) the firmware's variable store.
    pub fn start(spec: &VmSpec, dir: &Path) -> Vm {
        let serial = dir.join(format!("{}.serial.log", spec.name));
        let monitor = dir.join(format!("{}.monitor", spec.name));
        let _ = std::fs::remove_file(&serial);
        let _ = std::fs::remove_file(&monitor);
        let (https, http) = (free_port(), free_port());
        let mut cmd = match &spec.lab {
            Some(lab) => {
                let mut c = Command::new("ip");
                c.args(["netns", "exec", &lab.netns, "qemu-system-x86_64"]);
                c
            }
            None => Command::new("qemu-system-x86_64"),
        };
        let machine = match spec.firmware {
            Firmware::Bios => "pc",
            Firmware::Uefi => "q35",
        };
        cmd.args(["-accel", "tcg", "-machine", machine, "-cpu", "max"])
            // Two vCPUs boot about twice as fast as one under TCG; on a busy
            // host the guest may log RCU stalls, which it survives.
            .args(["-smp", "2", "-m", "1024", "-nodefaults", "-no-user-config"])
            .args(["-display", "none", "-vga", "std"])
            .arg("-serial")
            .arg(format!("file:{}", serial.display()))
            .arg("-monitor")
            .arg(format!("unix:{},server=on,wait=off", monitor.display()))
            .args(["-device", "virtio-rng-pci"]);
        if spec.firmware == Firmware::Uefi {
            let vars = dir.join(format!("{}.OVMF_VARS.fd", spec.name));
            if !vars.exists() {
                std::fs::copy("/usr/share/OVMF/OVMF_VARS_4M.fd", &vars).expect("copy OVMF vars");
            }
            cmd.arg("-drive")
                .arg("if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd")
                .arg("-drive")
                .arg(format!(
                    "if=pflash,format=raw,unit=1,file={}",
                    vars.display()
                ));
        }
        cmd.arg("-drive").arg(format!(
            "file={},format=qcow2,if=none,id=disk0,cache=unsafe",
            spec.disk.display()
        ));
        match (spec.bus, spec.firmware) {
            (DiskBus::Virtio, _) => cmd.args(["-device", "virtio-blk-pci,drive=disk0,bootindex=1"]),
            (DiskBus::Ahci, Firmware::Uefi) => {
                cmd.args(["-device", "ide-hd,drive=disk0,bus=ide.0,bootindex=1"])
            }
            (DiskBus::Ahci, Firmware::Bios) => cmd.args([
                "-device",
                "ahci,id=sata",
                "-device",
                "ide-hd,drive=disk0,bus=sata.0,bootindex=1",
            ]),
            (DiskBus::Lsi, _) => cmd.args([
                "-device",
                "lsi53c895a,id=scsi",
                "-device",
                "scsi-hd,drive=disk0,bus=scsi.0,bootindex=1",
            ]),
        };
        if let Some(seed) = &spec.seed {
            let iso = seed.extension().is_some_and(|e| e == "iso");
            if iso {
                cmd.arg("-drive").arg(format!(
                    "file={},format=raw,if=none,id=seed,media=cdrom,readonly=on",
                    seed.display()
                ));
                match spec.firmware {
                    Firmware::Bios => cmd.args(["-device", "ide-cd,drive=seed,bus=ide.1"]),
                    Firmware::Uefi => cmd.args(["-device", "ide-cd,drive=seed,bus=ide.1"]),
                };
            } else {
                cmd.arg("-drive").arg(format!(
                    "file={},format=raw,if=none,id=seed,readonly=on",
                    seed.display()
                ));
                cmd.args(["-device", "virtio-blk-pci,drive=seed"]);
            }
        }
        let model = match spec.nic {
            Nic::Virtio => "virtio-net-pci",
            Nic::E1000 => "e1000",
            Nic::E1000e => "e1000e",
        };
        cmd.arg("-nic").arg(format!(
            "user,model={model},restrict=on,hostfwd=tcp:127.0.0.1:{https}-:443,hostfwd=tcp:127.0.0.1:{http}-:80"
        ));
        if let Some(lab) = &spec.lab {
            cmd.arg("-netdev")
                .arg(format!(
                    "tap,id=lab,ifname={},script=no,downscript=no",
                    lab.tap
                ))
                .arg("-device")
                .arg(format!("virtio-net-pci,netdev=lab,mac={}", lab.mac));
        }
        let log = std::fs::File::create(dir.join(format!("{}.qemu.log", spec.name)))
            .expect("qemu log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log"))
            .stderr(log)
            .spawn()
            .expect("start qemu-system-x86_64");
        Vm {
            child,
            serial,
            monitor,
            https,
            http,
            netns: spec.lab.as_ref().map(|l| l.netns.clone()),
            started: Instant::now(),
            name: spec.name.clone(),
        }
    }

    /// The serial console so far.
    pub fn console(&self) -> String {
        std::fs::read(&self.serial)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// Wait until `marker` appears on the console after byte `from`; the
    /// position just past it. Panics with the console's tail on timeout,
    /// when QEMU exits, or at once when the boot itself failed.
    pub fn wait_for(&mut self, marker: &str, from: usize, limit: Duration) -> usize {
        let start = Instant::now();
        loop {
            let text = self.console();
            if let Some(found) = text.get(from..).and_then(|t| t.find(marker)) {
                return from + found + marker.len();
            }
            if let Some(fatal) = FATAL
                .iter()
                .find(|f| text.get(from..).is_some_and(|t| t.contains(*f)))
            {
                panic!(
                    "{}: the boot failed (`{fatal}`) while waiting for `{marker}`; console:\n{}",
                    self.name,
                    tail(&text, 4000)
                );
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!(
                    "{}: QEMU exited ({status}) before `{marker}` appeared; console:\n{}",
                    self.name,
                    tail(&text, 4000)
                );
            }
            if start.elapsed() > limit {
                panic!(
                    "{}: `{marker}` did not appear on the console within {limit:?}; console:\n{}",
                    self.name,
                    tail(&text, 4000)
                );
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    }

    /// Press the power button (again every 20 s, as a person would) and
    /// wait for the guest to shut down.
    pub fn power_down(mut self, limit: Duration) {
        let start = Instant::now();
        let mut pressed: Option<Instant> = None;
        while start.elapsed() < limit {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            if pressed.is_none_or(|t| t.elapsed() > Duration::from_secs(20))
                && self.monitor_command("system_powerdown")
            {
                pressed = Some(Instant::now());
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        panic!(
            "{}: did not power off within {limit:?}; console:\n{}",
            self.name,
            tail(&self.console(), 3000)
        );
    }
}

impl Vm {
    /// Send one HMP command and wait for the monitor's next prompt (QEMU
    /// drops a command whose connection closes before it is read).
    fn monitor_command(&self, command: &str) -> bool {
        use std::io::Read;
        let Ok(mut s) = UnixStream::connect(&self.monitor) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        if s.write_all(format!("{command}\n").as_bytes()).is_err() {
            return false;
        }
        let mut seen = Vec::new();
        let mut buf = [0u8; 512];
        let start = Instant::now();
        // The greeting ends with a prompt; the command's reply with another.
        while start.elapsed() < Duration::from_secs(5) {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => seen.extend_from_slice(buf.get(..n).unwrap_or_default()),
            }
            if String::from_utf8_lossy(&seen).matches("(qemu)").count() >= 2 {
                return true;
            }
        }
        false
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let _ = std::fs::remove_file(&self.monitor);
    }
}

/// The last `n` bytes of `text` (on a character boundary).
pub fn tail(text: &str, n: usize) -> &str {
    let mut start = text.len().saturating_sub(n);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
