/// Orders the registry's exposition for people: the registry keeps families and series in hash order, which
/// changes from scrape to scrape. Families come out sorted by name, each with its HELP and TYPE lines first and its
/// series sorted.
enum ExpositionSorter {
    static func sorted(_ text: String) -> String {
        var headers: [Substring: [Substring]] = [:]
        var samples: [Substring: [Substring]] = [:]
        var current: Substring = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                let rest = line.dropFirst(7)
                current = rest.prefix { $0 != " " }
                headers[current, default: []].append(line)
            } else if !line.hasPrefix("#") {
                samples[current, default: []].append(line)
            }
        }
        var output = ""
        for name in Set(headers.keys).union(samples.keys).sorted() {
            for line in headers[name] ?? [] { output += line + "\n" }
            for line in (samples[name] ?? []).sorted() { output += line + "\n" }
        }
        return output
    }

    /// A label value as the text format wants it: backslash, double quote and line feed escaped.
    static func escapeLabelValue(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
