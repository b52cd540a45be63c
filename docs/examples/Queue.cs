// Send the queue card as soon as a booking is saved: POST {MOPH_CONNECT_URL}/queue.
// C# with HttpClient: .NET Framework 4.5+, .NET 6+ or Mono (mcs -r:System.Net.Http Queue.cs).
// The same body goes to /queue/schedule (reminders) and /queue/notify (queue near).
using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.Tasks;

static class Queue
{
    static readonly HttpClient Http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };

    static int Main()
    {
        return Run().GetAwaiter().GetResult();
    }

    static async Task<int> Run()
    {
        string baseUrl = Environment.GetEnvironmentVariable("MOPH_CONNECT_URL")
            ?? "https://mophconnect.go.th/test/api";
        string key = Environment.GetEnvironmentVariable("MOPH_CONNECT_KEY");
        // Bangkok is UTC+7 all year.
        string tomorrow = DateTime.UtcNow.AddHours(7).AddDays(1).ToString("yyyy-MM-dd");
        string date = Environment.GetEnvironmentVariable("APPOINTMENT_DATE") ?? tomorrow;
        var body = new Dictionary<string, string>
        {
            { "userId", Environment.GetEnvironmentVariable("MOPH_CONNECT_USER_ID") },
            { "hospitalName", "โรงพยาบาลปทุมธานี" },
            { "origin", "กระทรวงสาธารณสุข" },
            { "queueNumber", "จุดคัดกรอง คิวที่ 1221" },
            { "patientName", "นาย ประโยชน์ รุจิรา" },
            { "appointmentDate", date },
            { "appointmentTime", "เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที" },
            { "detailsLink", "http://pth.ddns.net/" },
            { "currentQueueLink", "http://pth.ddns.net/" },
        };

        var request = new HttpRequestMessage(HttpMethod.Post, baseUrl + "/queue");
        if (!string.IsNullOrEmpty(key)) // unset only for hospitals in legacy mode
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        // UTF-8, Content-Type: application/json. On .NET 6+ System.Text.Json's
        // JsonSerializer.Serialize(body) gives the same JSON.
        request.Content = new StringContent(ToJson(body), Encoding.UTF8, "application/json");
        HttpResponseMessage response = await Http.SendAsync(request);
        string answer = await response.Content.ReadAsStringAsync();
        if ((int)response.StatusCode != 202) // application/problem+json: detail, errors
        {
            Console.Error.WriteLine("MOPH Connect " + (int)response.StatusCode + ": " + answer);
            return 1;
        }
        Console.WriteLine(answer); // appointmentId, messages, skipped, warnings
        return 0;
    }

    // A JSON object of strings, with no library (works on every .NET version).
    static string ToJson(IDictionary<string, string> fields)
    {
        var json = new StringBuilder("{");
        foreach (var field in fields)
        {
            if (json.Length > 1) json.Append(',');
            json.Append(Quote(field.Key)).Append(':').Append(Quote(field.Value));
        }
        return json.Append('}').ToString();
    }

    static string Quote(string text)
    {
        var quoted = new StringBuilder("\"");
        foreach (char c in text)
        {
            if (c == '"' || c == '\\') quoted.Append('\\').Append(c);
            else if (c < ' ') quoted.AppendFormat("\\u{0:x4}", (int)c);
            else quoted.Append(c);
        }
        return quoted.Append('"').ToString();
    }
}
