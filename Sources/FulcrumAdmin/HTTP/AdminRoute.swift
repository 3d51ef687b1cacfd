import Hummingbird

/// The admin server's paths (SPEC §3). Matching is by path first, method second, so that a known path with the
/// wrong method answers 405 (with `Allow`), and an unknown path 404.
enum AdminRoute: Equatable {
    case statusPage
    case healthz
    case metrics
    case info
    case services
    case service(String)
    case backends(service: String)
    case backend(service: String, address: String)
    case route(service: String)
    case reload

    /// The route of a request path (without the query), percent-decoding each segment; `nil` for unknown paths.
    init?(path: String) {
        var segments: [String] = []
        for raw in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let segment = PercentDecoding.decode(raw) else { return nil }
            segments.append(segment)
        }
        switch segments.count {
        case 0:
            self = .statusPage
        case 1 where segments[0] == "healthz":
            self = .healthz
        case 1 where segments[0] == "metrics":
            self = .metrics
        case 1 where segments[0] == "index.html":
            self = .statusPage
        case 3 where segments[0] == "api" && segments[1] == "v1":
            switch segments[2] {
            case "services": self = .services
            case "reload": self = .reload
            case "info": self = .info
            default: return nil
            }
        case 4... where segments[0] == "api" && segments[1] == "v1" && segments[2] == "services":
            let service = segments[3]
            switch segments.count {
            case 4: self = .service(service)
            case 5 where segments[4] == "backends": self = .backends(service: service)
            case 5 where segments[4] == "route": self = .route(service: service)
            case 6 where segments[4] == "backends": self = .backend(service: service, address: segments[5])
            default: return nil
            }
        default:
            return nil
        }
    }

    /// The methods the route has a handler for. `HEAD` is not among them: it is answered wherever `GET` is
    /// (SPEC §8.5), see `allowedMethods`.
    var methods: [HTTPRequest.Method] {
        switch self {
        case .statusPage, .healthz, .metrics, .info, .services, .service, .route: return [.get]
        case .backends: return [.get, .post]
        case .backend: return [.get, .patch, .delete]
        case .reload: return [.post]
        }
    }

    /// Every method the route answers, as `Allow` lists them: `methods`, and `HEAD` after `GET`.
    var allowedMethods: [HTTPRequest.Method] {
        self.methods.flatMap { $0 == .get ? [.get, .head] : [$0] }
    }

    /// The handler that answers `method`: `HEAD` is answered by the `GET` handler (its body is then left out);
    /// `nil` when the route does not answer `method` (405).
    func handlerMethod(for method: HTTPRequest.Method) -> HTTPRequest.Method? {
        let handler = method == .head ? .get : method
        return self.methods.contains(handler) ? handler : nil
    }
}
