<?php
// The booking as the call's fields (used by queue-form.php and queue-urlencoded.php).
$tomorrow = new DateTime('tomorrow', new DateTimeZone('Asia/Bangkok'));
return [
    'userId' => getenv('MOPH_CONNECT_USER_ID'),  // saved from ?regist= at booking
    'hospitalName' => 'โรงพยาบาลปทุมธานี',
    'origin' => 'กระทรวงสาธารณสุข',
    'queueNumber' => 'จุดคัดกรอง คิวที่ 1221',
    'patientName' => 'นาย ประโยชน์ รุจิรา',
    'appointmentDate' => getenv('APPOINTMENT_DATE') ?: $tomorrow->format('Y-m-d'),
    'appointmentTime' => 'เวลานัดหมาย 09:00-09:15 น. กรุณามาก่อนเวลา 10 นาที',
    'detailsLink' => 'http://pth.ddns.net/',
    'currentQueueLink' => 'http://pth.ddns.net/',
];
