import FulcrumTestSupport
import Foundation
import Testing

@Suite("fulcrum validate, diff and --version")
struct CLITests {
    @Test("validate prints ok for a valid file")
    func validateOK() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("ok.yaml", """
            services:
              web:
                listen: "127.0.0.1:18080"
                backends:
                  - address: 127.0.0.1:9001
            """)
        let result = try FulcrumProcess.run(["validate", "--config", path])
        #expect(result.status == 0)
        #expect(result.stdout == "ok\n")
        #expect(result.stderr.isEmpty)
    }

    @Test("validate lists every error as PATH:LINE:COLUMN: message and exits 1")
    func validateErrors() throws {
        let folder = try TemporaryFolder()
        try folder.write("bad.yaml", """
            services:
              web:
                listen: "127.0.0.1:99999"
                conect_timeout: 3s
                idle_timeout: 5
              api:
                listen: "127.0.0.1:18081"
            """)
        // PATH exactly as given on the command line (relative here).
        let result = try FulcrumProcess.run(["validate", "--config", "bad.yaml"], directory: folder.url)
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.count == 5, "\(lines)")
        #expect(lines.allSatisfy { $0.hasPrefix("bad.yaml:") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:3:13: ") && $0.contains("99999") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:4:5: ") && $0.contains("did you mean 'connect_timeout'") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:5:19: ") && $0.contains("unit") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:2:3: ") && $0.contains("missing required key 'backends'") })
        #expect(lines.contains { $0.hasPrefix("bad.yaml:6:3: ") && $0.contains("missing required key 'backends'") })
    }

    @Test("validate warns about an empty pool and still exits 0")
    func emptyPoolWarning() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("empty.yaml", """
            services:
              web:
                listen: "127.0.0.1:18080"
                backends: []
            """)
        let result = try FulcrumProcess.run(["validate", "--config", path])
        #expect(result.status == 0)
        #expect(result.stdout == "ok\n")
        #expect(result.stderr == "\(path):4:5: warning: service 'web' has no backends\n")
    }

    @Test("run refuses an invalid file with the same lines and exit code 1")
    func runInvalid() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("bad.yaml", "services:\n  web:\n    listen: nowhere\n    backends: []\n")
        let result = try FulcrumProcess.run(["run", "--config", path])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(path):3:13: "))
    }

    @Test("--log-level is an option of run and demo only")
    func logLevelOnValidateIsUsageError() throws {
        let result = try FulcrumProcess.run(["validate", "--config", "x.yaml", "--log-level", "debug"])
        #expect(result.status != 0 && result.status != 1)
        #expect(result.stderr.contains("--log-level"))
    }

    @Test("--version prints the version")
    func version() throws {
        let result = try FulcrumProcess.run(["--version"])
        #expect(result.status == 0)
        #expect(result.stdout.split(separator: ".").count == 3)
    }

    @Test("diff: identical files print 'no changes'; changes are named per service")
    func diff() throws {
        let folder = try TemporaryFolder()
        let old = try folder.write("old.yaml", """
            services:
              web:
                listen: "127.0.0.1:18080"
                backends:
                  - address: 127.0.0.1:9001
                  - address: 127.0.0.1:9002
            """)
        let same = try FulcrumProcess.run(["diff", old, old])
        #expect(same.status == 0)
        #expect(same.stdout == "no changes\n")
        let new = try folder.write("new.yaml", """
            services:
              web:
                listen: "127.0.0.1:18080"
                backends:
                  - address: 127.0.0.1:9001
                  - address: 127.0.0.1:9003
              api:
                listen: "127.0.0.1:18081"
                backends:
                  - address: 127.0.0.1:9100
            """)
        let changed = try FulcrumProcess.run(["diff", old, new])
        #expect(changed.status == 0)
        #expect(changed.stdout.contains("web: "))
        #expect(changed.stdout.contains("backend 127.0.0.1:9002 removed"))
        #expect(changed.stdout.contains("backend 127.0.0.1:9003 added"))
        #expect(changed.stdout.contains("api: service added"))
        let invalid = try folder.write("invalid.yaml", "services: 3\n")
        let failed = try FulcrumProcess.run(["diff", old, invalid])
        #expect(failed.status == 1)
        #expect(failed.stderr.hasPrefix("\(invalid):1:"))
    }
}
