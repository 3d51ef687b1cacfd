import ArgumentParser
import Foundation
import FulcrumNet
import Logging
import NIOCore
import NIOPosix

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start three demo backends on loopback and Fulcrum in front of them, and print what to try."
    )

    @OptionGroup var logging: LoggingOptions

    @Option(help: "Port of the demo TCP service on 127.0.0.1 (a free one is chosen if it is taken).")
    var port: UInt16 = 8080

    func run() async throws {
        let logFormat = self.logging.bootstrap()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let backends = try await DemoBackends.startTCP(count: 3, group: group)
        let datagramBackends = try await DemoBackends.startUDP(count: 2, group: group)
        let servicePort = DemoCommand.freePort(preferring: self.port)
        let adminPort = DemoCommand.freePort(preferring: 9901, avoiding: [servicePort])
        let datagramPort = DemoCommand.freePort(preferring: 8053, datagram: true)
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("fulcrum-demo-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let configPath = folder.appendingPathComponent("fulcrum.yaml").path
        let yaml = DemoCommand.configuration(
            port: servicePort, adminPort: adminPort, backends: backends.map(\.endpoint),
            datagramPort: datagramPort, datagramBackends: datagramBackends.map(\.endpoint))
        try yaml.write(toFile: configPath, atomically: true, encoding: .utf8)

        let server = FulcrumServer(
            configPath: configPath, threads: nil, logger: Logger(label: "fulcrum"), logFormat: logFormat)
        let code = await server.run { started in
            let adminURL = started.admin.map { "http://\($0)/" } ?? "(none)"
            let list = backends.map { "\($0.name) \($0.endpoint)" }.joined(separator: ", ")
            let datagramList = datagramBackends.map { "\($0.name) \($0.endpoint)" }.joined(separator: ", ")
            StandardOutput.print(
                """

                Fulcrum demo is running (pid \(ProcessInfo.processInfo.processIdentifier)).
                  TCP service 'web' on 127.0.0.1:\(servicePort), round robin over 3 backends: \(list)
                  UDP service 'echo' on 127.0.0.1:\(datagramPort), maglev on the client address and port over 2 backends: \(datagramList)

                Try:
                  curl http://127.0.0.1:\(servicePort)/            # run it a few times: each request goes to the next backend
                  echo hello | nc -q1 127.0.0.1 \(servicePort)
                  echo hello | nc -u -q1 127.0.0.1 \(datagramPort)   # a UDP flow sticks to one backend

                Admin: \(adminURL)   (live status page; JSON API under /api/v1, Prometheus metrics at /metrics)
                  curl \(adminURL)api/v1/services

                Configuration: \(configPath)
                  edit it, then reload with: kill -HUP \(ProcessInfo.processInfo.processIdentifier)
                Press Ctrl-C to stop.

                """)
        }
        for backend in backends + datagramBackends { try? await backend.channel.close() }
        try? await group.shutdownGracefully()
        try? FileManager.default.removeItem(at: folder)
        if code != 0 { throw ExitCode(code) }
    }

    static func configuration(
        port: UInt16, adminPort: UInt16, backends: [IPEndpoint], datagramPort: UInt16, datagramBackends: [IPEndpoint]
    ) -> String {
        var yaml = """
            # Written by `fulcrum demo`. Edit and send SIGHUP to reload.
            shutdown_grace: 2s

            admin:
              listen: 127.0.0.1:\(adminPort)

            services:
              web:
                listen: "127.0.0.1:\(port)"
                balance: round_robin
                health_check:
                  interval: 2s
                  timeout: 500ms
                backends:

            """
        for backend in backends { yaml += "      - address: \"\(backend)\"\n" }
        yaml += """

              echo:
                protocol: udp
                listen: "127.0.0.1:\(datagramPort)"
                balance: maglev
                hash_key: source_ip_port
                idle_timeout: 30s
                health_check:
                  interval: 2s
                  timeout: 500ms
                  send: "ping"
                  expect: "ping"
                backends:

            """
        for backend in datagramBackends { yaml += "      - address: \"\(backend)\"\n" }
        return yaml
    }

    /// `preferred` if nothing listens there (and it is not in `avoiding`), else a port the kernel picks.
    static func freePort(preferring preferred: UInt16, avoiding: [UInt16] = [], datagram: Bool = false) -> UInt16 {
        for candidate in avoiding.contains(preferred) ? [0] : [preferred, 0] {
            let fd = socket(AF_INET, Int32(datagram ? SOCK_DGRAM.rawValue : SOCK_STREAM.rawValue), 0)
            defer { close(fd) }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = candidate.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { continue }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
            }
            return UInt16(bigEndian: address.sin_port)
        }
        return preferred
    }
}
