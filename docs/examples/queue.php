<?php
// Send the queue card as soon as a booking is saved: POST {MOPH_CONNECT_URL}/queue.
// The same body goes to /queue/schedule (reminders) and /queue/notify (queue near).
// Run: MOPH_CONNECT_URL=https://mophconnect.go.th/test/api MOPH_CONNECT_KEY=mcp_test_...
//      MOPH_CONNECT_USER_ID=<regist> php queue.php

function moph_connect_call(string $path, array $body): array
{
    $base = getenv('MOPH_CONNECT_URL') ?: 'https://mophconnect.go.th/test/api';
    $headers = ['Content-Type: application/json'];
    $key = getenv('MOPH_CONNECT_KEY');  // unset only for hospitals in legacy mode
    if ($key) {
        $headers[] = 'Authorization: Bearer ' . $key;
    }
    $curl = curl_init($base . $path);
    curl_setopt_array($curl, [
        CURLOPT_POST => true,
        // PHP's defaults write Thai as \u0e42 and / as \/: that is valid JSON, read as is.
        CURLOPT_POSTFIELDS => json_encode($body),
        CURLOPT_HTTPHEADER => $headers,
        CURLOPT_RETURNTRANSFER => true,
        CURLOPT_TIMEOUT => 10,
    ]);
    $text = curl_exec($curl);
    if ($text === false) {
        throw new RuntimeException('MOPH Connect unreachable: ' . curl_error($curl));
    }
    $status = curl_getinfo($curl, CURLINFO_RESPONSE_CODE);
    curl_close($curl);
    $answer = json_decode($text, true);
    if ($status !== 202) {  // application/problem+json: detail, errors[{field, reason}]
        throw new RuntimeException("MOPH Connect $status: " . ($answer['detail'] ?? $text));
    }
    foreach ($answer['warnings'] as $warning) {  // accepted, but look at these
        error_log("MOPH Connect warning: {$warning['field']} {$warning['reason']}");
    }
    return $answer;
}

$tomorrow = new DateTime('tomorrow', new DateTimeZone('Asia/Bangkok'));
$answer = moph_connect_call('/queue', [
    'userId' => getenv('MOPH_CONNECT_USER_ID'),  // saved from ?regist= at booking
    'hospitalName' => 'โรงพยาบาลปทุมธานี',
    'origin' => 'กระทรวงสาธารณสุข',
    'queueNumber' => 'จุดคัดกรอง คิวที่ 1221',
    'patientName' => 'นาย ประโยชน์ รุจิรา',
    'appointmentDate' => getenv('APPOINTMENT_DATE') ?: $tomorrow->format('Y-m-d'),
    'appointmentTime' => 'เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที',
    'detailsLink' => 'http://pth.ddns.net/',
    'currentQueueLink' => 'http://pth.ddns.net/',
]);
echo json_encode($answer, JSON_UNESCAPED_UNICODE | JSON_PRETTY_PRINT), "\n";
