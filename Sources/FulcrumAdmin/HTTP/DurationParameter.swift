import FulcrumConfig

/// Durations in query parameters (`?wait=2s`), written as in the configuration file (SPEC §2) and read by the same
/// parser, FulcrumConfig's `DurationText`, so the two cannot drift apart. The grammar is the file format's, which
/// FulcrumConfig owns; FulcrumAdmin already depends on it, so borrowing it costs no new edge in the module graph.
enum DurationParameter {
    /// The longest wait a request may ask for; a request holding a connection longer than this is surely a mistake.
    static let maximum: Duration = .seconds(3600)

    /// The duration in parameter `name`, at most `maximum`; a 400 that says why otherwise.
    static func parse(_ text: String, name: String) throws(AdminRequestError) -> Duration {
        let limit = DurationText.format(self.maximum)
        switch DurationText.parse(text) {
        case .success(let milliseconds) where Duration.milliseconds(milliseconds) <= self.maximum:
            return .milliseconds(milliseconds)
        case .success, .failure(.tooLong):
            throw AdminRequestError("'\(name)' must be at most \(limit), found '\(text)'")
        case .failure(.malformed(let hint)):
            throw AdminRequestError(
                "'\(name)' must be a whole number with a unit (ms, s, m or h) up to \(limit) such as 500ms, 2s or 5m, "
                    + "found '\(text)'" + (hint.map { " (\($0))" } ?? ""))
        }
    }
}
