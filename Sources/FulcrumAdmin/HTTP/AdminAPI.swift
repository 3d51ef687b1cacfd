import FulcrumControl
import FulcrumEngine
import FulcrumNet
import Hummingbird
import HummingbirdCore

/// The endpoints behind the routes: reads, runtime changes, reload, metrics and the status page (SPEC §3, §7).
struct AdminAPI: Sendable {
    let controller: Controller
    let metrics: MetricsExporter
    let info: AdminServerInfo
    let serving: ServingState

    func handle(route: AdminRoute, method: HTTPRequest.Method, query: URI, body: [UInt8]) async throws -> Response {
        switch (route, method) {
        case (.statusPage, _):
            var reply = AdminReply.text(StatusPage.html, contentType: "text/html; charset=utf-8")
            // The page is self-contained; this keeps it so (no script, style or font from anywhere else).
            reply.headers[.contentSecurityPolicy] =
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; "
                + "img-src 'self' data:"
            return reply
        case (.healthz, _):
            if self.serving.isShuttingDown {
                return AdminReply.text(
                    "shutting down\n", contentType: "text/plain; charset=utf-8", status: .serviceUnavailable)
            }
            return AdminReply.text("ok\n", contentType: "text/plain; charset=utf-8")
        case (.metrics, _):
            return AdminReply.text(await self.metricsText(), contentType: "text/plain; version=0.0.4; charset=utf-8")
        case (.info, _):
            return AdminReply.json(self.info.json(engineThreads: self.controller.engine.threadCount))
        case (.services, _):
            let services = await self.controller.serviceStatuses()
            return AdminReply.json(.object([("services", .array(services.map(StatusJSON.service)))]))
        case (.service(let name), _):
            return AdminReply.json(StatusJSON.service(try await self.controller.serviceStatus(named: name)))
        case (.backends(let name), .post):
            return try await self.addBackend(service: name, body: body)
        case (.backends(let name), _):
            let service = try await self.controller.serviceStatus(named: name)
            return AdminReply.json(.object([("backends", .array(service.backends.map(StatusJSON.backend)))]))
        case (.backend(let name, let address), .patch):
            return try await self.updateBackend(service: name, address: address, query: query, body: body)
        case (.backend(let name, let address), .delete):
            let status = try await self.controller.deleteBackend(service: name, address: address)
            return AdminReply.json(StatusJSON.backend(status), status: .accepted)
        case (.backend(let name, let address), _):
            let service = try await self.controller.serviceStatus(named: name)
            // The live backend if there is one, else the one still draining after a delete.
            guard let backend = service.backends.last(where: { $0.address == address && !$0.removing })
                ?? service.backends.last(where: { $0.address == address })
            else { throw AdminError(.notFound, "service '\(name)' has no backend '\(address)'") }
            return AdminReply.json(StatusJSON.backend(backend))
        case (.route(let name), _):
            return try await self.route(service: name, query: query)
        case (.reload, _):
            return try await self.reload(query: query)
        }
    }

    // MARK: - Backends

    private func addBackend(service: String, body: [UInt8]) async throws -> Response {
        let request = try RequestBodyDecoder.decode(NewBackendBody.self, from: body)
        let status = try await self.controller.addBackend(
            service: service, address: request.address, weight: request.weight ?? 1)
        return AdminReply.json(StatusJSON.backend(status), status: .created)
    }

    private func updateBackend(service: String, address: String, query: URI, body: [UInt8]) async throws -> Response {
        let request = try RequestBodyDecoder.decode(BackendChangeBody.self, from: body)
        let (weight, state) = (request.weight, request.state)
        guard weight != nil || state != nil else {
            throw AdminRequestError("nothing to change: give 'weight' and/or 'state'")
        }
        var wait: Duration?
        if let text = Self.parameter(query, "wait") {
            guard state == .draining else {
                throw AdminRequestError("'wait' is accepted only with {\"state\": \"draining\"}")
            }
            wait = try DurationParameter.parse(text, name: "wait")
        }
        let status = try await self.controller.updateBackend(
            service: service, address: address, weight: weight, state: state)
        guard let wait else { return AdminReply.json(StatusJSON.backend(status)) }
        let outcome = try await self.controller.waitUntilDrained(service: service, address: address, timeout: wait)
        guard case .object(var members) = StatusJSON.backend(outcome.status) else {
            return AdminReply.json(StatusJSON.backend(outcome.status))
        }
        members.append(("drained", .bool(outcome.drained)))
        return AdminReply.json(.object(members))
    }

    // MARK: - Route

    private func route(service: String, query: URI) async throws -> Response {
        // An unknown service is 404 whatever the query says.
        _ = try await self.controller.serviceStatus(named: service)
        guard let text = Self.parameter(query, "client"), !text.isEmpty else {
            throw AdminRequestError("missing query parameter 'client' (IP or IP:PORT, IPv6 as [::1]:5000)")
        }
        guard let client = IPEndpoint(text, defaultPort: 0) else {
            throw AdminRequestError("'client' must be IP or IP:PORT (IPv6 as [::1]:5000), found '\(text)'")
        }
        return AdminReply.json(StatusJSON.route(try self.controller.route(service: service, client: client)))
    }

    // MARK: - Reload

    private func reload(query: URI) async throws -> Response {
        var dryRun = false
        if let text = Self.parameter(query, "dry_run") {
            switch text {
            case "true", "1", "": dryRun = true
            case "false", "0": dryRun = false
            default: throw AdminRequestError("'dry_run' must be true or false, found '\(text)'")
            }
        }
        if dryRun {
            switch await self.controller.reloadDryRun() {
            case .report(let changes, let flowsMoved):
                return AdminReply.json(.object([
                    ("dry_run", .bool(true)),
                    ("changes", .array(changes.map { .string($0) })),
                    ("flows_moved", .object(flowsMoved.sorted { $0.key < $1.key }.map { ($0.key, .double($0.value)) })),
                ]))
            case .invalid(let errors):
                return AdminReply.error(.badRequest, "the configuration file is invalid", errors: errors)
            }
        }
        switch await self.controller.reload() {
        case .applied(let changes):
            return AdminReply.json(.object([
                ("reloaded", .bool(true)),
                ("changes", .array(changes.map { .string($0) })),
            ]))
        case .invalid(let errors):
            return AdminReply.error(
                .badRequest, "the configuration file is invalid; the running configuration is kept", errors: errors)
        case .failed(let message):
            return AdminReply.error(
                .badRequest, "the configuration could not be applied; the running configuration is kept",
                errors: [message])
        }
    }

    // MARK: - Metrics

    private func metricsText() async -> String {
        let services = await self.controller.serviceStatuses()
        let engine = self.controller.engine
        let process = ProcessFigures(
            version: self.info.version, engineThreads: engine.threadCount,
            accessLogDropped: engine.droppedAccessRecords, system: SystemFigures.read())
        return self.metrics.render(services: services, process: process)
    }

    // MARK: - Query parameters

    /// A query parameter, percent-decoded.
    private static func parameter(_ uri: URI, _ name: String) -> String? {
        uri.queryParameters[Substring(name)].map(String.init)
    }
}
