import Foundation
import FulcrumNet

#if canImport(Glibc)
import Glibc
#endif

/// A real DNS server for tests: Debian's dnsmasq (package dnsmasq-base) on a loopback port, serving the records a
/// test gives it and nothing else (no /etc/hosts, no resolv.conf, no upstream server).
///
/// How dnsmasq answers here (dnsmasq 2.90, checked with dig):
/// - Names of `hosts` and `services`, which must lie in `domain` (`test`): their records, with TTL `ttl`. A missing
///   name in `domain` is NXDOMAIN and a missing type NODATA (`--local=/test/`), without an SOA. An SRV answer
///   carries its targets' addresses as glue in the additional section.
/// - With `authoritative` (`--auth-zone=test`): `domain` is answered as its authority (AA set); NXDOMAIN and NODATA
///   come with the zone's SOA, whose TTL and MINIMUM are both `ttl`, so the negative TTL is `ttl` too. SRV answers
///   then carry no glue. Every query to the server is answered as an authoritative one, so `silentDomains` does not
///   work alongside.
/// - Names under `silentDomains` are forwarded to a loopback port nothing listens on: dnsmasq never answers them
///   (it retries the dead upstream in silence; dig waits 60 s in vain).
/// - A name outside `domain` and `silentDomains`: REFUSED (dnsmasq has no upstream server for it).
/// - An answer larger than the query's UDP size (1232 with EDNS, 512 without) comes truncated (TC), whole over TCP.
/// - The file of `setHostsFile` (`--addn-hosts`) is read at start and again on SIGHUP (`reloadHostsFile`).
///
/// Every query is logged (`--log-queries` to a file), so a test can count what the server received. dnsmasq runs in
/// the foreground (`--keep-in-foreground`, not `--no-daemon`, which is a debug mode that serves TCP in-process),
/// with its configuration, pid file, log and hosts file in a temporary folder. The port comes from
/// `freeLoopbackPort()`, which checks it is free for UDP and TCP: dnsmasq binds both.
///
/// The process is started with `posix_spawn` and reaped with `waitpid(WNOHANG)`, not with Foundation's `Process`:
/// with two dnsmasq running, `Process` blocked in `wait4` on the one still running while the other, stopped, stayed
/// a zombie, and `isRunning` and `waitUntilExit` never saw it end.
public final class DnsmasqServer: @unchecked Sendable {
    // `processID` and `currentZone` are guarded by `lock`; the rest does not change.
    public static let executablePath = "/usr/sbin/dnsmasq"

    /// Whether dnsmasq is installed; tests that need it are enabled only then.
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: DnsmasqServer.executablePath) }

    /// A name's A and AAAA records (`--host-record`).
    public struct HostRecord: Sendable, Hashable {
        public var name: String
        /// IPv4 or IPv6 addresses in text.
        public var addresses: [String]

        public init(_ name: String, _ addresses: [String]) {
            self.name = name
            self.addresses = addresses
        }
    }

    /// One SRV record (`--srv-host`).
    public struct ServiceRecord: Sendable, Hashable {
        public var name: String
        public var target: String
        public var port: UInt16
        public var priority: UInt16
        public var weight: UInt16

        public init(_ name: String, target: String, port: UInt16, priority: UInt16 = 0, weight: UInt16 = 0) {
            self.name = name
            self.target = target
            self.port = port
            self.priority = priority
            self.weight = weight
        }
    }

    /// What the server serves.
    public struct Zone: Sendable, Hashable {
        public var hosts: [HostRecord]
        public var services: [ServiceRecord]
        /// The TTL of every record, and with `authoritative` of every negative answer.
        public var ttl: UInt32
        /// The domain the records are in; dnsmasq answers for all of it.
        public var domain: String
        /// Whether to answer `domain` as its authority: negative answers then carry its SOA.
        public var authoritative: Bool
        /// Domains whose names are never answered.
        public var silentDomains: [String]

        public init(
            hosts: [HostRecord] = [],
            services: [ServiceRecord] = [],
            ttl: UInt32 = 60,
            domain: String = "test",
            authoritative: Bool = false,
            silentDomains: [String] = []
        ) {
            self.hosts = hosts
            self.services = services
            self.ttl = ttl
            self.domain = domain
            self.authoritative = authoritative
            self.silentDomains = silentDomains
        }
    }

    public struct StartError: Error, CustomStringConvertible {
        public var description: String
    }

    public let port: UInt16
    public var endpoint: IPEndpoint { IPEndpoint(address: .v4(0x7F00_0001), port: self.port) }

    private let folder: TemporaryFolder
    /// Where `silentDomains` are forwarded: a port handed out by `freeLoopbackPort()`, which nothing binds.
    private let deadPort: UInt16
    private let lock = NSLock()
    /// The running dnsmasq; `nil` when stopped.
    private var processID: pid_t?
    private var currentZone: Zone
    private var logPath: String { self.folder.url.appendingPathComponent("dnsmasq.log").path }
    private var hostsPath: String { self.folder.url.appendingPathComponent("hosts").path }

    /// Starts dnsmasq serving `zone`, with an empty hosts file; returns once it serves.
    public init(_ zone: Zone) throws {
        self.folder = try TemporaryFolder()
        self.port = freeLoopbackPort()
        self.deadPort = freeLoopbackPort()
        self.currentZone = zone
        try self.folder.write("hosts", "")
        try self.start()
    }

    deinit { self.stop() }

    public var zone: Zone { self.lock.withLock { self.currentZone } }
    public var isRunning: Bool {
        guard let processID = self.lock.withLock({ self.processID }) else { return false }
        return !DnsmasqServer.hasExited(processID)
    }

    /// Stops dnsmasq (SIGTERM) and waits for it to exit: its port then refuses queries. A no-op when stopped.
    public func stop() {
        let processID = self.lock.withLock { () -> pid_t? in
            defer { self.processID = nil }
            return self.processID
        }
        guard let processID, !DnsmasqServer.hasExited(processID) else { return }
        kill(processID, SIGTERM)
        if !eventually(timeout: .seconds(10), { DnsmasqServer.hasExited(processID) }) {
            kill(processID, SIGKILL)
            _ = eventually(timeout: .seconds(10)) { DnsmasqServer.hasExited(processID) }
        }
    }

    /// Stops dnsmasq and starts it again on the same port, serving `zone` (the current one when `nil`); returns once
    /// it serves. The query log and the hosts file carry over.
    public func restart(with zone: Zone? = nil) throws {
        self.stop()
        if let zone { self.lock.withLock { self.currentZone = zone } }
        try self.start()
    }

    /// Writes the `--addn-hosts` file (`ADDRESS NAME` lines); dnsmasq reads it at start and on `reloadHostsFile()`.
    public func setHostsFile(_ entries: [(address: String, name: String)]) throws {
        try self.folder.write("hosts", entries.map { "\($0.address) \($0.name)\n" }.joined())
    }

    /// Makes dnsmasq read the hosts file again (SIGHUP); returns once it has (its log says so), or throws.
    ///
    /// dnsmasq's signal handler ignores everything but SIGTERM and SIGINT until its start-up is over (`sig_handler`
    /// in src/dnsmasq.c), which may be a little after it logs that it started; so the signal is sent again every
    /// 200 ms until the log shows the file read once more.
    public func reloadHostsFile() throws {
        let reads = { self.log.components(separatedBy: "read \(self.hostsPath) ").count }
        let before = reads()
        guard let processID = self.lock.withLock({ self.processID }) else {
            throw StartError(description: "dnsmasq is not running")
        }
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while clock.now < deadline {
            kill(processID, SIGHUP)
            if eventually(timeout: .milliseconds(200), { reads() > before }) { return }
        }
        throw StartError(description: "dnsmasq did not re-read its hosts file:\n\(self.log)")
    }

    /// The query log so far (all runs).
    public var log: String {
        (try? String(contentsOfFile: self.logPath, encoding: .utf8)) ?? ""
    }

    /// How many queries for `name`'s `type` records (`A`, `AAAA`, `SRV`) the server received, over UDP and TCP, in
    /// all runs. dnsmasq logs each before answering it.
    public func queries(_ type: String, _ name: String) -> Int {
        // `query[A] web.test from 127.0.0.1`, or `auth[A] ...` when answered as a zone's authority.
        self.log.split(separator: "\n").count { line in
            line.hasSuffix(" \(name) from 127.0.0.1")
                && (line.contains(" query[\(type)] ") || line.contains(" auth[\(type)] "))
        }
    }

    private func start() throws {
        let zone = self.zone
        var options = [
            "port=\(self.port)",
            "listen-address=127.0.0.1",
            // Only the listen address, not the wildcard: the port stays free on other addresses.
            "bind-interfaces",
            "no-resolv",
            "no-hosts",
            "no-poll",
            "pid-file=\(self.folder.url.appendingPathComponent("dnsmasq.pid").path)",
            "log-queries",
            "log-facility=\(self.logPath)",
            "addn-hosts=\(self.hostsPath)",
            "local-ttl=\(zone.ttl)",
            "auth-ttl=\(zone.ttl)",
            "neg-ttl=\(zone.ttl)",
        ]
        // Run as root, dnsmasq drops to `nobody` unless told otherwise, and `nobody` cannot write the log or pid
        // file in the test's folder. Run as another user it keeps that user (it changes user only as root).
        if geteuid() == 0 { options.append("user=root") }
        // One address per record: a host record takes at most one IPv4 and one IPv6 address.
        for host in zone.hosts {
            options += host.addresses.map { "host-record=\(host.name),\($0)" }
        }
        for service in zone.services {
            options.append(
                "srv-host=\(service.name),\(service.target),\(service.port),\(service.priority),\(service.weight)"
            )
        }
        if zone.authoritative {
            options.append("auth-server=ns.\(zone.domain),127.0.0.1")
            options.append("auth-zone=\(zone.domain)")
        } else {
            options.append("local=/\(zone.domain)/")
        }
        for domain in zone.silentDomains {
            options.append("server=/\(domain)/127.0.0.1#\(self.deadPort)")
        }
        let configuration = try self.folder.write("dnsmasq.conf", options.map { "\($0)\n" }.joined())

        let starts = { self.log.components(separatedBy: "started, version").count }
        let reads = { self.log.components(separatedBy: "read \(self.hostsPath) ").count }
        let (startsBefore, readsBefore) = (starts(), reads())
        let stderrPath = self.folder.url.appendingPathComponent("dnsmasq.stderr").path
        let processID = try DnsmasqServer.spawn(
            ["--keep-in-foreground", "--conf-file=\(configuration)"],
            stderrPath: stderrPath
        )
        self.lock.withLock { self.processID = processID }
        // dnsmasq binds its sockets before it logs that it started, and exits at once when it cannot. It reads the
        // hosts file after: waiting for that too keeps a later `reloadHostsFile()` from taking it for the reload.
        let ready = eventually(timeout: .seconds(20)) {
            DnsmasqServer.hasExited(processID) || (starts() > startsBefore && reads() > readsBefore)
        }
        guard ready, !DnsmasqServer.hasExited(processID) else {
            let stderr = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
            self.stop()
            throw StartError(description: "dnsmasq did not start on port \(self.port): \(stderr)\(self.log)")
        }
    }

    /// Starts dnsmasq with `arguments`: standard input and output on /dev/null, standard error into `stderrPath`,
    /// none of the test process's other descriptors (its sockets must not outlive it in dnsmasq), no signal blocked.
    private static func spawn(_ arguments: [String], stderrPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        // glibc 2.34 has `posix_spawn_file_actions_addclosefrom_np`, but the Glibc module does not show it; looked
        // up at run time (`nil` is RTLD_DEFAULT). Without it, descriptors opened with CLOEXEC (NIO's) still close.
        if let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") {
            typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
            _ = unsafeBitCast(symbol, to: AddCloseFrom.self)(&actions, 3)
        }
        let argv = ([DnsmasqServer.executablePath] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The calling thread is one of the concurrency pool's, which block most signals, and a spawned process
        // inherits the mask: dnsmasq would never see SIGTERM or SIGHUP. It starts with none blocked.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var processID = pid_t()
        let result = posix_spawn(&processID, DnsmasqServer.executablePath, &actions, &attributes, argv, environ)
        guard result == 0 else {
            throw StartError(description: "cannot start dnsmasq: \(String(cString: strerror(result)))")
        }
        return processID
    }

    /// Whether `processID` has exited, reaping it if so. `ECHILD`: another waiter in this process (Foundation's
    /// `Process` reaps on SIGCHLD) took its status, so it is gone too.
    private static func hasExited(_ processID: pid_t) -> Bool {
        var status: Int32 = 0
        let result = waitpid(processID, &status, WNOHANG)
        return result == processID || (result == -1 && errno == ECHILD)
    }
}
